package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ctflow.collector.capture.Capture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/** Every kind of input file names itself and the line in one message: {@code FILE:LINE: what}. */
class InputFileErrorsTest {
    static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    Path file(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    static String message(Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }

    @Test
    void facts() throws IOException {
        Path f = file("facts-n1.txt", "node=n1\nnet.ipv4.ip_forward=1\nbogus line\n");
        assertEquals(f + ":3: expected key=value, got 'bogus line'", message(() -> CaptureFacts.read(f, T)));
        Path cidr = file("facts-n2.txt", "node=n2\npod_cidr=10.244.1.0/33\n");
        assertEquals(cidr + ":2: bad CIDR '10.244.1.0/33'", message(() -> CaptureFacts.read(cidr, T)));
        Path noNode = file("facts-n3.txt", "net.ipv4.ip_forward=1\n");
        assertEquals(noNode + ": no node= line", message(() -> CaptureFacts.read(noNode, T)));
        Path binary = file("facts-n4.txt", new byte[] {'n', 'o', 'd', 'e', '=', 'a', '\n', 'x', '=', (byte) 0xc3, (byte) 0x28, '\n'});
        assertEquals(binary + ":2: not UTF-8 text (byte 10)", message(() -> CaptureFacts.read(binary, T)));
    }

    @Test
    void iptablesSave() throws IOException {
        Path f = file("nat-n1.txt", "*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -d 10.96.0.300/32 -p tcp --dport 80 -j KUBE-SVC-X\nCOMMIT\n");
        assertEquals(f + ":3: bad address '10.96.0.300/32'", message(() -> IptablesNatParser.read(f, "n1", T)));
        Path quote = file("nat-n2.txt", "*nat\n-A KUBE-SERVICES -m comment --comment \"open -j KUBE-SVC-X\nCOMMIT\n");
        assertEquals(quote + ":2: unterminated quote", message(() -> IptablesNatParser.read(quote, "n2", T)));
    }

    @Test
    void servicesYaml() throws IOException {
        Path syntax = file("services.yaml", "services:\n  - vip: 10.96.0.10\n    port: 80\n   bad: [\n");
        assertEquals(syntax + ":4: bad YAML: expected <block end>, but found '<block mapping start>'", message(() -> ServiceYamlParser.read(syntax, "n1", T)));
        Path vip = file("services2.yaml", "services:\n  - vip: 10.96.0.10\n    port: 80\n  - vip: 10.96.0.300\n    port: 80\n");
        assertEquals(vip + ":4: services[1].vip: bad address '10.96.0.300'", message(() -> ServiceYamlParser.read(vip, "n1", T)));
        Path endpoint = file("services3.yaml", "services:\n  - vip: 10.96.0.10\n    port: 80\n    endpoints:\n      - 10.244.1.3:8080\n"
                + "      - nonsense\n");
        String m = message(() -> ServiceYamlParser.read(endpoint, "n1", T));
        assertEquals(endpoint + ":6: services[0].endpoints[1]: ", m.substring(0, m.indexOf("]: ") + 3));
        Path notAList = file("services4.yaml", "services: 3\n");
        assertEquals(notAList + ":1: services: expected a list, got '3'", message(() -> ServiceYamlParser.read(notAList, "n1", T)));
    }

    @Test
    void conntrackStats() throws IOException {
        Path f = file("stats-before-n1.txt", "cpu=0 found=0 invalid=0\ncpu=1 found=x invalid=0\n");
        assertEquals(f + ":2: bad found 'x'", message(() -> ConntrackStatsParser.read(f)));
    }

    @Test
    void captureDirectoryNamesTheBadFile() throws IOException {
        file("events-n1.txt", "");
        Path facts = file("facts-n1.txt", "node=n1\nbogus\n");
        Capture c = Capture.open(dir);
        assertEquals(facts + ":2: expected key=value, got 'bogus'", message(c::facts));
        file("facts-n1.txt", "node=n1\n");
        Path nat = file("nat-n1.txt", "-A PREROUTING -d 10.0.0.1/32 -p tcp --dport 70000 -j DNAT --to-destination 10.0.0.2\n");
        assertEquals(nat + ":1: bad port '70000'", message(c::services));
        Path stats = file("stats-after-n1.txt", "cpu=-1 found=0\n");
        assertEquals(stats + ":1: bad cpu '-1'", message(c::stats));
    }
}
