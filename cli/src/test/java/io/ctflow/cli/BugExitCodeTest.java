package io.ctflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * A bug is not a user mistake: exit 1 with its stack trace, so it can be reported. A bare
 * IllegalArgumentException is a bug too (user mistakes are UsageException).
 */
class BugExitCodeTest {
    @CommandLine.Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        final RuntimeException bug;

        Boom(RuntimeException bug) {
            this.bug = bug;
        }

        @Override
        public Integer call() {
            throw bug;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"state", "argument"})
    void aBugKeepsItsStackTraceAndExits1(String kind) {
        RuntimeException bug = kind.equals("state") ? new IllegalStateException("already running")
                : new IllegalArgumentException("flow key out of range: protocol 300");
        CommandLine cl = Ctflow.commandLine();
        cl.addSubcommand(new Boom(bug));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(1, cl.execute("boom"));
        assertTrue(err.toString().startsWith(bug.toString()), err.toString());
        assertTrue(err.toString().contains("\tat io.ctflow.cli.BugExitCodeTest.aBugKeepsItsStackTraceAndExits1"), err.toString());
    }
}
