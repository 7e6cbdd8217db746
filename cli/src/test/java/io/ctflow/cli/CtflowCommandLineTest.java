package io.ctflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every subcommand has --help; user mistakes are one line on stderr and a non-zero exit, never a stack trace. */
class CtflowCommandLineTest {
    static final List<String> SUBCOMMANDS = List.of("demo", "up", "lab", "streams", "bench", "collect", "record", "replay", "parse", "simulate", "kafka", "tail");

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = Ctflow.commandLine();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        cl.setOut(new java.io.PrintWriter(new PrintStream(out, true, StandardCharsets.UTF_8), true));
        cl.setErr(new java.io.PrintWriter(new PrintStream(err, true, StandardCharsets.UTF_8), true));
        int code = cl.execute(args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everySubcommandIsMountedAndHasHelp() {
        CommandLine cl = Ctflow.commandLine();
        assertTrue(cl.getSubcommands().keySet().containsAll(SUBCOMMANDS), cl.getSubcommands().keySet().toString());
        for (String sub : SUBCOMMANDS) {
            Run r = run(sub, "--help");
            assertEquals(0, r.code, sub);
            assertTrue(r.out.startsWith("Usage: ctflow " + sub), sub + ": " + r.out);
        }
        Run top = run("--help");
        assertEquals(0, top.code);
        assertTrue(top.out.contains("demo") && top.out.contains("streams"), top.out);
    }

    @Test
    void wrongFlagsGiveOneClearLineAndExit2() {
        for (String sub : SUBCOMMANDS) {
            Run r = run(sub, "--no-such-flag");
            assertEquals(2, r.code, sub);
            assertEquals(1, r.err.strip().lines().count(), sub + ": " + r.err);
            // picocli reports a missing required option or parameter first, else the unknown flag
            assertTrue(r.err.contains("Unknown option: '--no-such-flag'") || r.err.contains("Missing required"), r.err);
            assertTrue(r.err.contains("--help"), r.err);
        }
        Run bad = run("nonsense");
        assertEquals(2, bad.code);
        assertEquals(1, bad.err.strip().lines().count(), bad.err);
    }

    @Test
    void userMistakesInsideACommandAreOneLineToo() {
        Run r = run("demo", "--capture", "/no/such/capture", "--once");
        assertEquals(2, r.code);
        assertEquals("ctflow demo: capture '/no/such/capture' is neither a directory nor a shipped capture (bridge-off, bridge-on, hairpin, bridge-off-nft)",
                r.err.strip());
        Run p = run("replay", "/no/such/dir", "--bootstrap-servers", "127.0.0.1:1");
        assertTrue(p.code != 0);
        assertEquals(1, p.err.strip().lines().count(), p.err);
        assertTrue(!p.err.contains("\tat "), "no stack trace: " + p.err);
    }

    /** `ctflow up` monitors this host: as root with conntrack it starts everything and stops cleanly after --duration. */
    @Test
    void upRunsTheEmbeddedStackWithTheLiveCollector() {
        boolean root = UpCommand.isRoot();
        boolean conntrack = java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/sbin/conntrack"))
                || java.nio.file.Files.isExecutable(java.nio.file.Path.of("/sbin/conntrack"));
        if (!root) {
            Run r = run("up", "--kafka-port", "0", "--registry-port", "0", "--http-port", "0");
            assertEquals(2, r.code);
            assertTrue(r.err.contains("needs root"), r.err);
            return;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(conntrack, "skipped: conntrack is not installed (CI installs it)");
        Run r = run("up", "--kafka-port", "0", "--registry-port", "0", "--http-port", "0", "--duration", "3s");
        assertEquals(0, r.code, r.err);
    }
}
