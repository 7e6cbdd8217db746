package io.ctflow.cli.bench;

import java.io.PrintStream;
import java.util.Locale;

/** Progress lines on stderr, so stdout keeps only the table (or JSON). */
final class Progress {
    private final PrintStream err;
    private final long t0 = System.nanoTime();

    Progress(PrintStream err) {
        this.err = err;
    }

    void say(String format, Object... args) {
        err.printf(Locale.ROOT, "[bench %5.0fs] %s%n", (System.nanoTime() - t0) / 1e9, String.format(Locale.ROOT, format, args));
        err.flush();
    }
}
