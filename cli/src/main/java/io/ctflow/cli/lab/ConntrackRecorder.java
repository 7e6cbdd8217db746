package io.ctflow.cli.lab;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.Protocol;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.LossLine;
import io.ctflow.collector.parse.ParseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code conntrack -E -o timestamp,id,extended} inside a node's namespace, its output to
 * events-NODE.txt, with a loss line wherever conntrack warns that it lost events (ENOBUFS).
 * Bounded twice: by {@code timeout} around it, and by {@link #stop}.
 */
final class ConntrackRecorder {
    /** Upper bound of a recorder's life, should {@link #stop} never come. */
    static final Duration MAX_LIFETIME = Duration.ofSeconds(300);

    final String node;
    final Path file;
    private final Background process;
    private final AtomicLong losses;

    private ConntrackRecorder(String node, Path file, Background process, AtomicLong losses) {
        this.node = node;
        this.file = file;
        this.process = process;
        this.losses = losses;
    }

    /** Starts the recorder and returns once it listens (its netlink socket is open). */
    static ConntrackRecorder start(LabNetwork net, String node, Path file) {
        Tools t = net.tools();
        AtomicLong losses = new AtomicLong();
        Background b = net.start(node, "conntrack recorder of " + node, file, lossLines(file, losses), t.timeout, "-s", "TERM",
                Long.toString(MAX_LIFETIME.toSeconds()), t.conntrack, "-E", "-o", "timestamp,id,extended");
        ConntrackRecorder r = new ConntrackRecorder(node, file, b, losses);
        r.awaitListening(Duration.ofSeconds(5));
        return r;
    }

    /**
     * A receiver of conntrack's stderr lines that appends a loss line to the events file (and
     * counts it) for each loss warning, detected as the live collector detects it ({@link
     * LossLine#isConntrackLossWarning}). conntrack
     * writes each event line whole into the same file opened for appending, so lines never mix.
     */
    static Consumer<String> lossLines(Path file, AtomicLong losses) {
        return line -> {
            if (!LossLine.isConntrackLossWarning(line)) {
                return;
            }
            Instant at = Instant.now();
            try {
                Files.writeString(file, LossLine.format(at, "ENOBUFS") + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                losses.incrementAndGet();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        };
    }

    /** Loss lines written so far. */
    long losses() {
        return losses.get();
    }

    /**
     * Waits until the conntrack process (a child of {@code timeout}) has a socket open: it
     * subscribes to the event groups when it opens the netlink socket.
     */
    private void awaitListening(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.alive()) {
                throw process.failure("exited at start");
            }
            boolean listening = process.handle().descendants().anyMatch(ConntrackRecorder::hasSocket);
            if (listening) {
                sleep(100); // socket() to bind(groups): microseconds
                return;
            }
            sleep(20);
        }
        throw process.failure("did not open its netlink socket within " + bound.toMillis() + " ms");
    }

    private static boolean hasSocket(ProcessHandle h) {
        try (var fds = Files.list(Path.of("/proc", Long.toString(h.pid()), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    /**
     * Ids of TCP and UDP entries with a NEW event but no DESTROY yet, read from the file so far.
     * Other protocols (IGMP of the bridge...) are not waited for.
     */
    Set<Long> pending() {
        return pending(node, file);
    }

    static Set<Long> pending(String node, Path file) {
        Set<Long> open = new LinkedHashSet<>();
        if (!Files.exists(file)) {
            return open;
        }
        ConntrackLineParser parser = new ConntrackLineParser(node, false);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        long seq = 0;
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            try {
                ConntrackEvent e = parser.parse(line, Instant.EPOCH, ++seq);
                if (e.getConntrackId() == null || (e.getProtocol() != Protocol.TCP && e.getProtocol() != Protocol.UDP)) {
                    continue;
                }
                if (e.getType() == EventType.NEW) {
                    open.add(e.getConntrackId());
                } else if (e.getType() == EventType.DESTROY) {
                    open.remove(e.getConntrackId());
                }
            } catch (ParseException ignored) {
                // the last line may be half written; the recording is checked as a whole later
            }
        }
        return open;
    }

    /** Stops it (SIGTERM: conntrack flushes and exits); a {@link LabException} if it had died before. */
    void stop() {
        boolean wasRunning = process.stop(Duration.ofSeconds(3));
        if (!wasRunning) {
            throw process.failure("stopped by itself during the capture");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted");
        }
    }
}
