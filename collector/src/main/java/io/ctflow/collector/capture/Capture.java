package io.ctflow.collector.capture;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.parse.CaptureFacts;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.ConntrackStatsParser;
import io.ctflow.collector.parse.IptablesNatParser;
import io.ctflow.collector.parse.ParseException;
import io.ctflow.collector.parse.ServiceKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A capture directory (see testdata/captures/README.md): per node {@code events-NODE.txt},
 * {@code facts-NODE.txt}, {@code nat-NODE.txt}, optionally {@code proc-NODE.txt} and
 * {@code stats-*-NODE.txt}. Reading it gives what a live collector of each node would have
 * published, with the kernel's timestamps: facts, Services, stats, and every node's events merged
 * in time order. The replay command and the tests read captures only through this class, so both
 * see the same records.
 */
public final class Capture {
    private final Path dir;
    private final List<String> nodes;

    private Capture(Path dir, List<String> nodes) {
        this.dir = dir;
        this.nodes = nodes;
    }

    /** Opens a capture; a clear {@link IllegalArgumentException} when the directory is not one. */
    public static Capture open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("capture directory not found: " + dir);
        }
        TreeSet<String> nodes = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).forEach(name -> {
                if (name.startsWith("events-") && name.endsWith(".txt")) {
                    nodes.add(name.substring("events-".length(), name.length() - 4));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException(dir + " is not a capture: it has no events-NODE.txt file");
        }
        return new Capture(dir, List.copyOf(nodes));
    }

    public Path dir() {
        return dir;
    }

    public List<String> nodes() {
        return nodes;
    }

    /** Each node's facts, stamped with its first event's time so a replay is reproducible. */
    public List<NodeFacts> facts() throws IOException {
        List<NodeFacts> out = new ArrayList<>();
        for (String node : nodes) {
            Path f = dir.resolve("facts-" + node + ".txt");
            if (Files.exists(f)) {
                NodeFacts facts = CaptureFacts.read(f, start(node));
                facts.setNode(node);
                out.add(facts);
            }
        }
        return out;
    }

    /** The Services of every node's NAT table, one entry per key (the first node's wins). */
    public List<ServiceEntry> services() throws IOException {
        Map<String, ServiceEntry> byKey = new LinkedHashMap<>();
        for (String node : nodes) {
            Path f = dir.resolve("nat-" + node + ".txt");
            if (Files.exists(f)) {
                for (ServiceEntry s : IptablesNatParser.read(f, node, start(node))) {
                    byKey.putIfAbsent(ServiceKeys.key(s), s);
                }
            }
        }
        return new ArrayList<>(byKey.values());
    }

    /** {@code conntrack -S} samples: "before" at the node's first event, "after" at its last. */
    public List<NodeStats> stats() throws IOException {
        List<NodeStats> out = new ArrayList<>();
        for (String node : nodes) {
            for (String phase : List.of("before", "after")) {
                Path f = dir.resolve("stats-" + phase + "-" + node + ".txt");
                if (Files.exists(f)) {
                    Instant t = phase.equals("before") ? start(node) : end(node);
                    out.add(NodeStats.newBuilder().setNode(node).setTimestamp(t).setCount(null).setMax(null)
                            .setCpus(ConntrackStatsParser.read(f)).build());
                }
            }
        }
        return out;
    }

    /**
     * Every node's events merged by timestamp (ties: node name, then line order), read lazily.
     * A line that does not parse goes to {@code deadLetters} and the reading goes on.
     */
    public Iterator<ConntrackEvent> events(boolean keepRaw, Consumer<DeadLetter> deadLetters) {
        PriorityQueue<NodeReader> heads = new PriorityQueue<>(Comparator
                .comparing((NodeReader r) -> r.head.getTimestamp()).thenComparing(r -> r.node).thenComparingLong(r -> r.lineNo));
        for (String node : nodes) {
            NodeReader r = new NodeReader(node, dir.resolve("events-" + node + ".txt"), keepRaw, deadLetters);
            if (r.advance()) {
                heads.add(r);
            }
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !heads.isEmpty();
            }

            @Override
            public ConntrackEvent next() {
                NodeReader r = heads.poll();
                if (r == null) {
                    throw new NoSuchElementException();
                }
                ConntrackEvent e = r.head;
                if (r.advance()) {
                    heads.add(r);
                }
                return e;
            }
        };
    }

    /** Events of one node in file order (no dead letters reported). */
    public List<ConntrackEvent> nodeEvents(String node) {
        List<ConntrackEvent> out = new ArrayList<>();
        NodeReader r = new NodeReader(node, dir.resolve("events-" + node + ".txt"), false, d -> { });
        while (r.advance()) {
            out.add(r.head);
        }
        return out;
    }

    /** Time of a node's first event (or the epoch for an empty file). */
    public Instant start(String node) {
        List<ConntrackEvent> ev = firstAndLast(node);
        return ev.isEmpty() ? Instant.EPOCH : ev.get(0).getTimestamp();
    }

    /** Time of a node's last event. */
    public Instant end(String node) {
        List<ConntrackEvent> ev = firstAndLast(node);
        return ev.isEmpty() ? Instant.EPOCH : ev.get(ev.size() - 1).getTimestamp();
    }

    /** The latest event time over all nodes. */
    public Instant end() {
        Instant max = Instant.EPOCH;
        for (String n : nodes) {
            Instant e = end(n);
            max = e.isAfter(max) ? e : max;
        }
        return max;
    }

    private final Map<String, List<ConntrackEvent>> bounds = new LinkedHashMap<>();

    private List<ConntrackEvent> firstAndLast(String node) {
        return bounds.computeIfAbsent(node, n -> {
            ConntrackEvent first = null;
            ConntrackEvent last = null;
            NodeReader r = new NodeReader(n, dir.resolve("events-" + n + ".txt"), false, d -> { });
            while (r.advance()) {
                if (first == null) {
                    first = r.head;
                }
                last = r.head;
            }
            return first == null ? List.of() : List.of(first, last);
        });
    }

    /** Reads one node's events file line by line. */
    private static final class NodeReader {
        final String node;
        final Path file;
        final ConntrackLineParser parser;
        final Consumer<DeadLetter> deadLetters;
        BufferedReader in;
        ConntrackEvent head;
        long lineNo;
        long sequence;
        Instant lastTime = Instant.EPOCH;

        NodeReader(String node, Path file, boolean keepRaw, Consumer<DeadLetter> deadLetters) {
            this.node = node;
            this.file = file;
            this.parser = new ConntrackLineParser(node, keepRaw);
            this.deadLetters = deadLetters;
        }

        boolean advance() {
            try {
                if (in == null) {
                    // InputStreamReader replaces malformed bytes instead of failing: binary junk becomes a dead letter.
                    in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8));
                }
                String line;
                while ((line = in.readLine()) != null) {
                    lineNo++;
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        // A line without a timestamp takes its predecessor's, which keeps the merge stable.
                        head = parser.parse(line, lastTime, ++sequence);
                        lastTime = head.getTimestamp();
                        return true;
                    } catch (ParseException e) {
                        byte[] raw = line.getBytes(StandardCharsets.UTF_8);
                        deadLetters.accept(DeadLetter.newBuilder().setNode(node).setSource(file.getFileName().toString())
                                .setPosition(lineNo).setReason(e.getMessage())
                                .setRaw(ByteBuffer.wrap(raw, 0, Math.min(raw.length, 64 * 1024)))
                                .setTimestamp(lastTime).build());
                    }
                }
                in.close();
                head = null;
                return false;
            } catch (NoSuchFileException e) {
                head = null;
                return false;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
    }
}
