package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.testing.Captures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Single-thread throughput over the real capture lines. Timing assertions are flaky on shared CI
 * machines, so this runs only on request: {@code mvn -o -pl collector test -Dtest=ConntrackLineParserThroughputTest
 * -Dctflow.bench=true}; it prints lines/s and fails only far below the 200k lines/s target.
 */
@EnabledIfSystemProperty(named = "ctflow.bench", matches = "true")
class ConntrackLineParserThroughputTest {

    @Test
    void linesPerSecond() throws Exception {
        List<String> lines = new ArrayList<>();
        for (String scenario : Captures.SCENARIOS) {
            try (Stream<Path> files = Files.list(Captures.scenario(scenario))) {
                for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                    String name = f.getFileName().toString();
                    if (name.startsWith("events-") || name.startsWith("proc-")) {
                        lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
                    }
                }
            }
        }
        ConntrackLineParser parser = new ConntrackLineParser("node1", false);
        Instant now = Instant.now();
        long sink = 0;
        for (int warm = 0; warm < 2_000; warm++) {
            for (String l : lines) {
                sink += parser.parse(l, now, warm).getProtocolNumber();
            }
        }
        int rounds = 10_000;
        long start = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            for (String l : lines) {
                sink += parser.parse(l, now, r).getProtocolNumber();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = rounds * (double) lines.size() / seconds;
        System.out.printf("ConntrackLineParser: %.0f lines/s (%d lines x %d, sink %d)%n", rate, lines.size(), rounds, sink);
        assertTrue(rate > 50_000, "lines/s: " + rate);
    }
}
