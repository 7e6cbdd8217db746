package io.ctflow.cli.lab;

import io.ctflow.process.Launcher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A long-running child process (a pod's server, a node's conntrack recorder): started from an
 * argument list, its stdout either to a file or read line by line, stderr kept for error messages,
 * its stdin a pipe that {@link #stop} closes (the lab's servers exit on EOF, so they end with this
 * JVM even when it is killed).
 */
final class Background {
    private static final String EOF = "\u0000eof";

    final String name;
    private final List<String> command;
    private final Process process;
    private final Exec.Drain stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private Background(String name, List<String> command, Process process, Consumer<String> stderrLines) {
        this.name = name;
        this.command = command;
        this.process = process;
        this.stderr = new Exec.Drain(process.getErrorStream(), stderrLines);
    }

    static Background start(String name, List<String> command, Path stdoutFile) {
        return start(name, command, stdoutFile, null);
    }

    /**
     * Starts {@code command}; with {@code stdoutFile} its output is appended there (O_APPEND, so
     * that others may append whole lines too), else it can be read with {@link #awaitLine}. Each
     * stderr line also goes to {@code stderrLines}, when not null.
     */
    static Background start(String name, List<String> command, Path stdoutFile, Consumer<String> stderrLines) {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (stdoutFile != null) {
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(stdoutFile.toFile()));
        }
        Process p;
        try {
            p = Launcher.SYSTEM.start(pb);
        } catch (IOException e) {
            throw new LabException("cannot start " + name + ": " + Exec.display(command) + ": " + e.getMessage(), e);
        }
        Background b = new Background(name, command, p, stderrLines);
        if (stdoutFile == null) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        b.lines.add(line);
                    }
                } catch (IOException ignored) {
                    // process gone
                }
                b.lines.add(EOF);
            }, "ctflow-lab-" + name);
            t.setDaemon(true);
            t.start();
        }
        return b;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    /** Waits for a stdout line starting with {@code prefix}; a {@link LabException} with stderr if it dies or times out. */
    String awaitLine(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw failure("did not print '" + prefix + "' within " + timeout.toMillis() + " ms");
                }
                if (line.equals(EOF)) {
                    waitQuietly(Duration.ofSeconds(1));
                    throw failure("exited" + (process.isAlive() ? "" : " with " + process.exitValue()) + " before it was ready");
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted waiting for " + name);
        }
    }

    /** A {@link LabException} about this process, with its command and stderr. */
    LabException failure(String what) {
        String err;
        try {
            err = process.isAlive() ? "" : stderr.text();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err = "";
        }
        return new LabException(name + " " + what + ": " + Exec.display(command)
                + (err.isBlank() ? "" : "\n  " + err.strip().replace("\n", "\n  ")));
    }

    /** Its stderr so far (complete once it has exited). */
    String stderr() {
        try {
            return stderr.text();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * Stops it: closes stdin, sends SIGTERM, waits up to {@code grace}, then SIGKILLs it and
     * whatever it started. Idempotent. Returns whether it had still been running.
     */
    boolean stop(Duration grace) {
        boolean wasAlive = process.isAlive();
        try (OutputStream in = process.getOutputStream()) {
            in.flush();
        } catch (IOException ignored) {
            // already closed
        }
        if (process.isAlive()) {
            process.destroy();
            if (!waitQuietly(grace)) {
                Exec.kill(process);
            }
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        return wasAlive;
    }

    private boolean waitQuietly(Duration d) {
        try {
            return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
