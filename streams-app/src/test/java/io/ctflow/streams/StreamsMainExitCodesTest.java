package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The streams-app jar follows the README's exit-code policy with the same {@code ctflow streams:} line as {@code ctflow streams}. */
class StreamsMainExitCodesTest {
    record Run(int code, String line) {}

    static Run run(String... args) {
        CommandLine cl = StreamsMain.commandLine();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        List<String> lines = err.toString().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "exactly one line on stderr: " + err);
        assertTrue(!err.toString().contains("\tat "), "no stack trace: " + err);
        return new Run(code, lines.get(0));
    }

    @Test
    void aBadFlagIsAUsageError() {
        Run r = run("--no-such-flag");
        assertEquals(2, r.code(), r.line());
        assertEquals("ctflow streams: Unknown option: '--no-such-flag' (see 'ctflow streams --help')", r.line());
    }

    @Test
    void aMissingConfigFileIsAUsageError() {
        Run r = run("--config", "/no/such/streams.properties");
        assertEquals(2, r.code(), r.line());
        assertTrue(r.line().startsWith("ctflow streams: "), r.line());
        assertTrue(r.line().contains("/no/such/streams.properties"), r.line());
    }

    @Test
    void anUnwritableStateDirectoryIsARuntimeFailure(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        Run r = run("--state-dir", file.resolve("state").toString(), "--bootstrap-servers", "127.0.0.1:1", "--http-port", "0");
        assertEquals(1, r.code(), r.line());
        assertTrue(r.line().startsWith("ctflow streams: state directory " + file.resolve("state") + " is not writable"), r.line());
    }

    /** Config values: one line naming the key, the value, where it came from and what is allowed, exit 2. */
    @Test
    void aBadConfigValueIsAUsageError() {
        Run duration = run("--set", "reply.timeout.tcp=soon", "--bootstrap-servers", "127.0.0.1:1", "--http-port", "0");
        assertEquals(2, duration.code(), duration.line());
        assertEquals("ctflow streams: bad setting reply.timeout.tcp=soon (from --set reply.timeout.tcp): not a duration; "
                + "allowed: a duration like 500ms, 3s, 2m, 1h, at least 1ms", duration.line());
    }

    @CommandLine.Command(name = "bad-argument")
    static final class BadArgument implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalArgumentException("events.partitions must be known");
        }
    }

    /** A bare IllegalArgumentException is a bug: exit 1 with its stack trace. */
    @Test
    void aBugThatThrowsIllegalArgumentExceptionKeepsItsStackTrace() {
        CommandLine cl = StreamsMain.commandLine();
        cl.addSubcommand(new BadArgument());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(1, cl.execute("bad-argument"));
        assertTrue(err.toString().startsWith("java.lang.IllegalArgumentException: events.partitions must be known"), err.toString());
        assertTrue(err.toString().contains("\tat io.ctflow.streams.StreamsMainExitCodesTest$BadArgument.call"), err.toString());
    }
}
