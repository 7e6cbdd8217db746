package io.ctflow.cli;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/** Runs {@code ctflow demo} without --once in the background, for tests in other packages. */
public final class DemoCommandTestAccess {
    private DemoCommandTestAccess() {}

    /** A demo running on its own thread until {@link #stop}. */
    public static final class Running {
        private final DemoCommand demo;
        private final Thread thread;

        private Running(DemoCommand demo, Thread thread) {
            this.demo = demo;
            this.thread = thread;
        }

        public boolean isAlive() {
            return thread.isAlive();
        }

        /** Stops it as Ctrl-C would, and waits for the stack to close. */
        public void stop() throws InterruptedException {
            demo.stop.countDown();
            thread.join(TimeUnit.SECONDS.toMillis(60));
        }
    }

    public static Running start(PrintStream out, PrintStream err, String... args) {
        DemoCommand demo = new DemoCommand("ctflow demo", out, err);
        Thread t = new Thread(() -> new CommandLine(demo).execute(args), "ctflow-demo-under-test");
        t.setDaemon(true);
        t.start();
        return new Running(demo, t);
    }
}
