package io.ctflow.cli.lab;

import io.ctflow.process.Launcher;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one command through the {@link Launcher} seam: an argument list (never a shell), with a
 * timeout, output captured. A command
 * that fails or times out is a {@link LabException} naming the command, its exit code and stderr.
 */
final class Exec {
    /** Default bound for one short command (ip, sysctl, iptables-restore, conntrack -L). */
    static final Duration SHORT = Duration.ofSeconds(10);

    private Exec() {}

    /** What a finished command gave. */
    record Result(List<String> command, int exit, String out, String err) {
        boolean ok() {
            return exit == 0;
        }
    }

    /** Runs and requires exit 0. */
    static Result run(List<String> command) {
        return check(runAllowingFailure(command, null, SHORT));
    }

    /** Runs with {@code stdin} as standard input and requires exit 0. */
    static Result run(List<String> command, String stdin, Duration timeout) {
        return check(runAllowingFailure(command, stdin, timeout));
    }

    static Result check(Result r) {
        if (!r.ok()) {
            throw new LabException("command failed (exit " + r.exit() + "): " + display(r.command())
                    + (r.err().isBlank() ? "" : "\n  " + r.err().strip().replace("\n", "\n  ")));
        }
        return r;
    }

    /**
     * Runs and returns whatever exit it had; a timeout kills the command and is a
     * {@link LabException}, so is a command that cannot be started.
     */
    static Result runAllowingFailure(List<String> command, String stdin, Duration timeout) {
        Process p;
        try {
            p = Launcher.SYSTEM.start(new ProcessBuilder(command));
        } catch (IOException e) {
            throw new LabException("cannot run " + display(command) + ": " + e.getMessage(), e);
        }
        Drain out = new Drain(p.getInputStream());
        Drain err = new Drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException ignored) {
            // the command exited without reading its input: its exit code and stderr tell why
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                throw new LabException("command timed out after " + timeout.toMillis() + " ms: " + display(command));
            }
            return new Result(List.copyOf(command), p.exitValue(), out.text(), err.text());
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while running " + display(command), e);
        }
    }

    /** Kills a process and its descendants, by their pids, and reaps it (bounded). */
    static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String display(List<String> command) {
        StringBuilder b = new StringBuilder();
        for (String a : command) {
            if (b.length() > 0) {
                b.append(' ');
            }
            if (a.contains("\n")) {
                b.append("'<").append(a.length()).append(" chars>'");
            } else if (a.isEmpty() || a.chars().anyMatch(c -> " \"'\\$*?;&|<>()".indexOf(c) >= 0)) {
                b.append('\'').append(a.replace("'", "'\\''")).append('\'');
            } else {
                b.append(a);
            }
        }
        return b.toString();
    }

    /** Reads a stream to the end on its own daemon thread. */
    static final class Drain {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final Thread thread;

        Drain(InputStream in) {
            this(in, null);
        }

        /** Also hands each line, as it comes, to {@code lines} (when not null). */
        Drain(InputStream in, Consumer<String> lines) {
            thread = new Thread(() -> {
                try (in) {
                    if (lines == null) {
                        in.transferTo(buf);
                        return;
                    }
                    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                    String line;
                    while ((line = r.readLine()) != null) {
                        buf.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
                        lines.accept(line);
                    }
                } catch (IOException ignored) {
                    // the process went away
                }
            }, "ctflow-lab-drain");
            thread.setDaemon(true);
            thread.start();
        }

        String text() throws InterruptedException {
            thread.join(2000);
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
