package io.ctflow.collector.record;

import io.ctflow.avro.NodeFacts;
import io.ctflow.collector.CollectorException;
import io.ctflow.collector.parse.CaptureFacts;
import io.ctflow.collector.parse.LossLine;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Objects;

/**
 * Writes one node's part of a capture directory (see testdata/captures/README.md):
 * {@code events-NODE.txt} (raw {@code conntrack -E -o timestamp,id,extended} lines, appended, and a
 * {@link LossLine} where events were lost), {@code facts-NODE.txt} ({@link CaptureFacts#format}), and
 * whichever Service dataplane the node has: {@code nat-NODE.txt} ({@code iptables-save -t nat}),
 * {@code nat-NODE.json} ({@code nft -j list table ip kube-proxy}, then the {@code ip6} table's) and
 * {@code ipvs-NODE.txt} ({@code ipvsadm -Ln} or /proc/net/ip_vs), each replaced whenever it changes,
 * {@code stats-before-NODE.txt}, {@code stats-after-NODE.txt} ({@code conntrack -S}),
 * {@code count-before-NODE.txt}, {@code count-after-NODE.txt} ({@code conntrack -C}) and
 * {@code proc-NODE.txt}. Thread-safe.
 */
public final class CaptureWriter implements AutoCloseable {
    private final Path dir;
    private final String node;
    private final BufferedWriter events;
    private String lastFacts;
    private String lastNat;
    private String lastNftJson;
    private String lastIpvs;
    private long lines;
    private boolean closed;

    /**
     * Opens (creates) the directory and a new events file.
     *
     * @throws CollectorException when the directory already holds this node's events, or cannot be written
     */
    public CaptureWriter(Path dir, String node) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.node = Objects.requireNonNull(node, "node");
        if (node.isEmpty() || node.contains("/") || node.contains("\0")) {
            throw CollectorException.user("node name '" + node + "' cannot be part of a file name");
        }
        Path f = dir.resolve("events-" + node + ".txt");
        try {
            Files.createDirectories(dir);
            if (Files.exists(f) && Files.size(f) > 0) {
                throw CollectorException.user(f + " already exists; record into a new directory");
            }
            events = Files.newBufferedWriter(f, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw CollectorException.environment("cannot write the capture to " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    public String node() {
        return node;
    }

    /** Appends a raw event line (without its line break). */
    public synchronized void eventLine(String line) {
        if (closed) {
            return;
        }
        try {
            events.write(line);
            events.write('\n');
            lines++;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write events-" + node + ".txt", e);
        }
    }

    /** Appends a loss line: events were lost at {@code time} (not counted in {@link #eventLines()}). */
    public synchronized void lossLine(Instant time, String reason) {
        if (closed) {
            return;
        }
        try {
            events.write(LossLine.format(time, reason));
            events.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write events-" + node + ".txt", e);
        }
    }

    /** Event lines written to the events file. */
    public synchronized long eventLines() {
        return lines;
    }

    /** Writes {@code facts-NODE.txt} when the facts changed. */
    public synchronized void facts(NodeFacts facts) {
        String text = CaptureFacts.format(facts);
        if (!text.equals(lastFacts)) {
            replace("facts-" + node + ".txt", text);
            lastFacts = text;
        }
    }

    /** Writes {@code nat-NODE.txt} when the rules changed (null: nothing read). */
    public synchronized void nat(String iptablesSave) {
        if (iptablesSave != null && !iptablesSave.equals(lastNat)) {
            replace("nat-" + node + ".txt", iptablesSave);
            lastNat = iptablesSave;
        }
    }

    /** Writes {@code nat-NODE.json} when kube-proxy's nftables tables changed (null: nothing read). */
    public synchronized void nftJson(String json) {
        if (json != null && !json.equals(lastNftJson)) {
            replace("nat-" + node + ".json", json);
            lastNftJson = json;
        }
    }

    /** Writes {@code ipvs-NODE.txt} when the IPVS table changed (null: nothing read). */
    public synchronized void ipvs(String text) {
        if (text != null && !text.equals(lastIpvs)) {
            replace("ipvs-" + node + ".txt", text);
            lastIpvs = text;
        }
    }

    public void statsBefore(String conntrackS) {
        replace("stats-before-" + node + ".txt", conntrackS);
    }

    public void statsAfter(String conntrackS) {
        replace("stats-after-" + node + ".txt", conntrackS);
    }

    /** {@code conntrack -C} output (one integer); nothing is written for a blank one (conntrack failed). */
    public void countBefore(String conntrackC) {
        if (!conntrackC.isBlank()) {
            replace("count-before-" + node + ".txt", conntrackC);
        }
    }

    public void countAfter(String conntrackC) {
        if (!conntrackC.isBlank()) {
            replace("count-after-" + node + ".txt", conntrackC);
        }
    }

    /** {@code /proc/net/nf_conntrack} as read once during the traffic. */
    public void proc(String text) {
        replace("proc-" + node + ".txt", text);
    }

    public synchronized void flush() {
        if (closed) {
            return;
        }
        try {
            events.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write events-" + node + ".txt", e);
        }
    }

    private synchronized void replace(String name, String text) {
        Path target = dir.resolve(name);
        Path tmp = dir.resolve("." + name + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            events.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write events-" + node + ".txt", e);
        }
    }
}
