package io.ctflow.cli.faults;

import io.ctflow.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * {@code ctflow ARGS} in a JVM of its own (the test's class path), so a test can kill it for real:
 * {@link #kill()} is {@code destroyForcibly()}, SIGKILL, no shutdown hook runs. Its stdout and
 * stderr go to one file the test reads.
 */
final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ChildJvm start(Path log, String... ctflowArgs) throws IOException {
        return start(log, List.of(), ctflowArgs);
    }

    /** With {@code prefix} in front of the java command (e.g. nsenter into a mount namespace). */
    static ChildJvm start(Path log, List<String> prefix, String... ctflowArgs) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "io.ctflow.cli.Ctflow"));
        cmd.addAll(List.of(ctflowArgs));
        Files.writeString(log, "");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        return new ChildJvm(p, log);
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the output has a line that matches; fails when the process ends or the deadline passes. */
    String awaitLine(Predicate<String> wanted, Duration timeout) throws Exception {
        return Poll.value(timeout, () -> {
            String line = output().lines().filter(wanted).findFirst().orElse(null);
            if (line == null && !process.isAlive()) {
                throw new AssertionError("child ended (exit " + process.exitValue() + ") before the expected line:\n" + tail());
            }
            return line;
        }, () -> "the expected line:\n" + tail());
    }

    String tail() {
        List<String> lines = output().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to end by itself; returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new AssertionError("child still running after " + timeout + ":\n" + tail());
        }
        return process.exitValue();
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new AssertionError("child " + process.pid() + " still alive 30 s after SIGKILL");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    /** A port free right now on 127.0.0.1 (to restart a server on the same port). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
