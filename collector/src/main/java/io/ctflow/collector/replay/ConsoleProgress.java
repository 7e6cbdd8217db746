package io.ctflow.collector.replay;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;

/**
 * Replay progress on stderr: a redrawn bar when stderr is a terminal, otherwise a plain line every
 * few seconds (logs and CI stay readable).
 */
public final class ConsoleProgress implements Replayer.Progress {
    private static final long TTY_PERIOD = 100_000_000L;
    private static final long LINE_PERIOD = 5_000_000_000L;
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastDraw = System.nanoTime();
    private boolean drawn;

    public ConsoleProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** For stderr: a bar when it is a terminal. */
    public static ConsoleProgress stderr() {
        return new ConsoleProgress(System.err, stderrIsTerminal());
    }

    /** Whether file descriptor 2 is a terminal (Linux: /proc/self/fd/2 points to a tty). */
    public static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void update(long done, long total, Instant eventTime) {
        if ((done & 255) != 0 && done != total) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < (terminal ? TTY_PERIOD : LINE_PERIOD)) {
            return;
        }
        lastDraw = now;
        draw(done, total, eventTime, now);
    }

    private void draw(long done, long total, Instant eventTime, long now) {
        double secs = Math.max((now - start) / 1e9, 1e-9);
        double frac = total <= 0 ? 1 : Math.min(1.0, (double) done / total);
        if (terminal) {
            int filled = (int) Math.round(frac * WIDTH);
            StringBuilder sb = new StringBuilder(100);
            sb.append("\rreplay [");
            for (int i = 0; i < WIDTH; i++) {
                sb.append(i < filled ? '#' : '.');
            }
            sb.append(String.format(Locale.ROOT, "] %3.0f%% %d/%d events %.0f/s  %s", frac * 100, done, total, done / secs,
                    eventTime == null ? "" : eventTime.toString()));
            out.print(sb);
            drawn = true;
        } else {
            out.printf(Locale.ROOT, "replay: %d/%d events (%.0f%%), %.0f events/s, at %s%n", done, total, frac * 100, done / secs,
                    eventTime);
        }
        out.flush();
    }

    @Override
    public void finish(Replayer.Result result) {
        if (terminal) {
            draw(result.events(), result.events() + result.deadLetters(), result.lastEvent(), System.nanoTime());
            out.println();
        } else if (drawn) {
            out.println();
        }
        out.flush();
    }
}
