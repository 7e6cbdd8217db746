package io.ctflow.collector.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureWriterDataplaneTest {
    @Test
    void writesWhicheverDataplaneTheNodeHas(@TempDir Path dir) throws Exception {
        try (CaptureWriter w = new CaptureWriter(dir, "n1")) {
            w.nat(null);
            w.nftJson(null);
            w.ipvs(null);
            assertFalse(Files.exists(dir.resolve("nat-n1.txt")), "nothing read, nothing written");
            w.nftJson("{\"nftables\": []}\n");
            w.ipvs("TCP  10.96.0.10:80 rr\n");
            w.ipvs("TCP  10.96.0.10:80 rr\n  -> 10.244.1.3:8080 Masq 1 0 0\n");
        }
        assertEquals("{\"nftables\": []}\n", Files.readString(dir.resolve("nat-n1.json")));
        assertEquals("TCP  10.96.0.10:80 rr\n  -> 10.244.1.3:8080 Masq 1 0 0\n", Files.readString(dir.resolve("ipvs-n1.txt")),
                "replaced when it changes");
        assertFalse(Files.exists(dir.resolve("nat-n1.txt")));
    }
}
