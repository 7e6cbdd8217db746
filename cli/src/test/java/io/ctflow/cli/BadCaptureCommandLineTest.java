package io.ctflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.testing.Captures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A capture with a malformed file: replay and demo print one line naming the file and line, exit 2, start nothing. */
class BadCaptureCommandLineTest {
    @TempDir
    Path dir;

    /** The shipped bridge-off capture with {@code file}'s line {@code n} replaced. */
    Path captureWith(String file, int n, String line) throws IOException {
        try (Stream<Path> files = Files.list(Captures.scenario("bridge-off"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Path f = dir.resolve(file);
        List<String> lines = new ArrayList<>(Files.readAllLines(f, StandardCharsets.UTF_8));
        lines.set(n - 1, line);
        Files.write(f, lines, StandardCharsets.UTF_8);
        return f;
    }

    static CtflowCommandLineTest.Run replay(Path dir) {
        return CtflowCommandLineTest.run("replay", dir.toString(), "--bootstrap-servers", "127.0.0.1:1",
                "--schema-registry-url", "http://127.0.0.1:1");
    }

    @Test
    void replayNamesABadFactsLine() throws IOException {
        Path f = captureWith("facts-node1.txt", 3, "bogus line");
        CtflowCommandLineTest.Run r = replay(dir);
        assertEquals(2, r.code(), r.err());
        assertEquals("ctflow replay: " + f + ":3: expected key=value, got 'bogus line'", r.err().strip());
    }

    @Test
    void replayNamesABadNatLine() throws IOException {
        Path f = captureWith("nat-node2.txt", 2, "-A KUBE-SERVICES -d 10.96.0.300/32 -p tcp --dport 80 -j KUBE-SVC-X");
        CtflowCommandLineTest.Run r = replay(dir);
        assertEquals(2, r.code(), r.err());
        assertEquals("ctflow replay: " + f + ":2: bad address '10.96.0.300/32'", r.err().strip());
    }

    @Test
    void replayNamesABadStatsLine() throws IOException {
        Path f = captureWith("stats-after-node1.txt", 1, "cpu=0 found=lots");
        CtflowCommandLineTest.Run r = replay(dir);
        assertEquals(2, r.code(), r.err());
        assertEquals("ctflow replay: " + f + ":1: bad found 'lots'", r.err().strip());
    }

    @Test
    void demoNamesABadFactsLineBeforeStartingAnything() throws IOException {
        Path f = captureWith("facts-node2.txt", 2, "pod_cidr=10.244.2.0/99");
        CtflowCommandLineTest.Run r = CtflowCommandLineTest.run("demo", "--capture", dir.toString(), "--once",
                "--kafka-port", "0", "--registry-port", "0", "--http-port", "0");
        assertEquals(2, r.code(), r.err());
        assertEquals("ctflow demo: " + f + ":2: bad CIDR '10.244.2.0/99'", r.err().strip());
    }
}
