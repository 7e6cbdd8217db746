package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.testing.Poll;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C on a long bench: a real process, SIGTERM in the middle of an app round; the broker's data
 * and the app's state (gigabytes on a production run) must not stay behind in the temp directory.
 */
class BenchStopIT {
    @TempDir
    Path tmp;

    @Test
    @Timeout(180)
    void sigtermInTheMiddleOfARoundRemovesTheBrokerDataAndTheAppState() throws Exception {
        Path log = tmp.resolve("bench.log");
        Path scratch = Files.createDirectory(tmp.resolve("java-tmp"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Djava.io.tmpdir=" + scratch, "-cp", System.getProperty("java.class.path"), "io.ctflow.cli.Ctflow",
                "bench", "--only", "production", "--open-flows", "20000", "--rounds", "1", "--warm-up-rounds", "0")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Poll.until(Duration.ofSeconds(120), () -> {
                if (!p.isAlive()) {
                    throw new AssertionError("bench ended before its app round:\n" + read(log));
                }
                return read(log).contains("production-app-1: running")
                        && ours(scratch).stream().anyMatch(n -> n.startsWith("ctflow-bench-state")); // the app's state is there
            }, () -> "the app round running:\n" + read(log));
            p.destroy(); // SIGTERM, as Ctrl-C
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "still running 90 s after SIGTERM:\n" + read(log));
        } finally {
            p.destroyForcibly();
        }
        assertTrue(read(log).contains("bench: stopped; its broker data and app state are removed"), read(log));
        assertEquals(List.of(), ours(scratch), "left in the temp directory");
    }

    /** What ctflow made in the temp directory (the JVM's and RocksDB's own files aside). */
    static List<String> ours(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("ctflow-")).sorted().toList();
        }
    }

    static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
