package io.ctflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A bug is not a user mistake: exit 1 with its stack trace, so it can be reported. */
class BugExitCodeTest {
    @CommandLine.Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("already running");
        }
    }

    @CommandLine.Command(name = "bad-argument")
    static final class BadArgument implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalArgumentException("flow key out of range: protocol 300");
        }
    }

    /** A bare IllegalArgumentException is a bug too (user mistakes are UsageException): exit 1 and its stack trace. */
    @Test
    void aBugThatThrowsIllegalArgumentExceptionKeepsItsStackTrace() {
        CommandLine cl = Ctflow.commandLine();
        cl.addSubcommand(new BadArgument());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(1, cl.execute("bad-argument"));
        assertTrue(err.toString().startsWith("java.lang.IllegalArgumentException: flow key out of range: protocol 300"), err.toString());
        assertTrue(err.toString().contains("\tat io.ctflow.cli.BugExitCodeTest$BadArgument.call"), err.toString());
    }

    @Test
    void aBugKeepsItsStackTraceAndExits1() {
        CommandLine cl = Ctflow.commandLine();
        cl.addSubcommand(new Boom());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(1, cl.execute("boom"));
        assertTrue(err.toString().startsWith("java.lang.IllegalStateException: already running"), err.toString());
        assertTrue(err.toString().contains("\tat io.ctflow.cli.BugExitCodeTest$Boom.call"), err.toString());
    }
}
