package io.ctflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ctflow simulate}: bad flags are one line and exit 2; a good run writes a capture and says so in one line. */
class SimulateCommandLineTest {
    private static final List<String> SMALL = List.of("simulate", "--nodes", "2", "--services", "3", "--rate", "50", "--duration", "5s");

    private static CtflowCommandLineTest.Run simulate(String... more) {
        List<String> args = new java.util.ArrayList<>(SMALL);
        args.addAll(List.of(more));
        return CtflowCommandLineTest.run(args.toArray(String[]::new));
    }

    private static void oneLineError(CtflowCommandLineTest.Run r, String expected) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("ctflow simulate: "), r.err());
        assertTrue(r.err().contains(expected), r.err());
    }

    @Test
    void badFlagsAreOneLine(@TempDir Path tmp) throws Exception {
        String out = tmp.resolve("out").toString();
        oneLineError(CtflowCommandLineTest.run("simulate", "--nodes", "0", "--services", "3", "--rate", "50", "--duration", "5s",
            "--out", out), "--nodes must be between 1 and 8000, got 0");
        oneLineError(simulate("--loss", "1.5", "--out", out), "--loss must be a fraction");
        oneLineError(simulate("--anomalies", "-0.1", "--out", out), "--anomalies must be a fraction");
        oneLineError(CtflowCommandLineTest.run("simulate", "--nodes", "2", "--services", "3", "--rate", "50", "--duration", "soon",
            "--out", out), "'--duration' must be a duration");
        oneLineError(simulate(), "give --out DIR to write a capture, or --bootstrap-servers");
        oneLineError(simulate("--bootstrap-servers", "localhost:9092", "--out", out), "--bootstrap-servers and --schema-registry-url go together");
        Files.createDirectories(tmp.resolve("full"));
        Files.writeString(tmp.resolve("full/x"), "x");
        oneLineError(simulate("--out", tmp.resolve("full").toString()), "is not empty");
        oneLineError(CtflowCommandLineTest.run("simulate", "--nodes", "2", "--out", out), "Missing required options");
    }

    @Test
    void writesACaptureAndASummaryLine(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("capture");
        CtflowCommandLineTest.Run r = simulate("--out", out.toString(), "--seed", "9");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().strip().lines().count(), r.out());
        assertTrue(r.out().matches("(?s)ctflow simulate: \\d+ events \\(0 lost\\), \\d+ connections, .* 15 files in .*events per CPU second\\)\\s*"), r.out());
        assertTrue(Files.exists(out.resolve("truth.json")));
        assertTrue(Files.exists(out.resolve("events-node-002.txt")));
    }
}
