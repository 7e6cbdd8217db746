package io.ctflow.collector.capture;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.parse.CaptureFacts;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.ConntrackStatsParser;
import io.ctflow.collector.parse.DataplaneServices;
import io.ctflow.collector.parse.InputError;
import io.ctflow.collector.parse.LossLine;
import io.ctflow.collector.parse.ParseException;
import io.ctflow.collector.parse.ServiceKeys;
import io.ctflow.config.UsageException;
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
 * {@code facts-NODE.txt}, {@code nat-NODE.txt}, optionally {@code proc-NODE.txt},
 * {@code stats-*-NODE.txt} and {@code count-*-NODE.txt}; loss lines in the events files are GAP
 * markers. Reading it gives what a live collector of each node would have published, with the
 * kernel's timestamps: facts, Services, stats, and every node's events merged in time order. The replay command and the tests read captures only through this class, so both
 * see the same records.
 */
public final class Capture {
    private final Path dir;
    private final List<String> nodes;

    private Capture(Path dir, List<String> nodes) {
        this.dir = dir;
        this.nodes = nodes;
    }

    /** Opens a capture; a clear {@link UsageException} when the directory is not one. */
    public static Capture open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UsageException("capture directory not found: " + dir);
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
            throw new UsageException(dir + " is not a capture: it has no events-NODE.txt file");
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

    /**
     * The Services of every node's dataplane, one entry per key (the first node's wins): per node
     * {@code nat-NODE.txt} (iptables-save or {@code nft list} text), {@code nat-NODE.json}
     * ({@code nft -j list}) and {@code ipvs-NODE.txt} ({@code ipvsadm -Ln} or /proc/net/ip_vs),
     * whichever exist, read as {@link DataplaneServices} reads them.
     *
     * @throws IllegalArgumentException naming the file and line when one does not parse
     */
    public List<ServiceEntry> services() throws IOException {
        Map<String, ServiceEntry> byKey = new LinkedHashMap<>();
        for (String node : nodes) {
            for (ServiceEntry s : services(node)) {
                byKey.putIfAbsent(ServiceKeys.key(s), s);
            }
        }
        return new ArrayList<>(byKey.values());
    }

    /**
     * The Services of one node's dataplane files, as its live collector read them; empty when the
     * capture has none for the node.
     *
     * @throws IllegalArgumentException naming the file and line when one does not parse
     */
    public List<ServiceEntry> services(String node) throws IOException {
        String nat = readIfExists("nat-" + node + ".txt");
        String nftJson = readIfExists("nat-" + node + ".json");
        String ipvs = readIfExists("ipvs-" + node + ".txt");
        if (nat == null && nftJson == null && ipvs == null) {
            return List.of();
        }
        try {
            return DataplaneServices.parse(nat, nftJson, ipvs, node, start(node)).services();
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            String file = m.startsWith("nft JSON") ? "nat-" + node + ".json" : m.startsWith("IPVS") ? "ipvs-" + node + ".txt"
                    : "nat-" + node + ".txt";
            throw InputError.locate(dir.resolve(file), e); // FILE:LINE: what
        }
    }

    private String readIfExists(String name) throws IOException {
        Path f = dir.resolve(name);
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : null;
    }

    /**
     * Stats samples, "before" at the node's first event and "after" at its last: {@code conntrack -S}
     * ({@code stats-PHASE-NODE.txt}), {@code conntrack -C} ({@code count-PHASE-NODE.txt}) and the
     * node's {@code nf_conntrack_max} fact. The "after" sample counts the node's loss lines as lost
     * events and gaps, as a live collector's stats would; a node with loss lines always gets both
     * samples, so the loss reaches the stats topic.
     */
    public List<NodeStats> stats() throws IOException {
        List<NodeStats> out = new ArrayList<>();
        for (String node : nodes) {
            long losses = span(node).losses();
            Long max = conntrackMax(node);
            for (String phase : List.of("before", "after")) {
                Path f = dir.resolve("stats-" + phase + "-" + node + ".txt");
                Path c = dir.resolve("count-" + phase + "-" + node + ".txt");
                if (Files.exists(f) || Files.exists(c) || losses > 0) {
                    boolean before = phase.equals("before");
                    long lost = before ? 0 : losses;
                    out.add(NodeStats.newBuilder().setNode(node).setTimestamp(before ? start(node) : end(node))
                            .setCount(Files.exists(c) ? count(c) : null).setMax(max)
                            .setCpus(Files.exists(f) ? ConntrackStatsParser.read(f) : List.of())
                            .setLostEvents(lost).setGaps(lost).build());
                }
            }
        }
        return out;
    }

    private static long count(Path f) throws IOException {
        try {
            return ConntrackStatsParser.parseCount(Files.readString(f, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new UsageException(f + ": " + e.getMessage(), e);
        }
    }

    /** {@code net.netfilter.nf_conntrack_max} of the node's facts, null when absent. */
    private Long conntrackMax(String node) throws IOException {
        Path f = dir.resolve("facts-" + node + ".txt");
        if (!Files.exists(f)) {
            return null;
        }
        String v = CaptureFacts.read(f, Instant.EPOCH).getSysctls().get("net.netfilter.nf_conntrack_max");
        try {
            return v == null ? null : Long.valueOf(v.strip());
        } catch (NumberFormatException e) {
            return null;
        }
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

    /** A node's first and last event (none for an empty file) and its number of loss lines. */
    private record Span(List<ConntrackEvent> firstAndLast, long losses) {}

    private final Map<String, Span> bounds = new LinkedHashMap<>();

    private List<ConntrackEvent> firstAndLast(String node) {
        return span(node).firstAndLast();
    }

    private Span span(String node) {
        return bounds.computeIfAbsent(node, n -> {
            ConntrackEvent first = null;
            ConntrackEvent last = null;
            long losses = 0;
            NodeReader r = new NodeReader(n, dir.resolve("events-" + n + ".txt"), false, d -> { });
            while (r.advance()) {
                if (first == null) {
                    first = r.head;
                }
                last = r.head;
                if (last.getType() == EventType.GAP) {
                    losses++;
                }
            }
            return new Span(first == null ? List.of() : List.of(first, last), losses);
        });
    }

    /** Reads one node's events file line by line. */
    private static final class NodeReader {
        final String node;
        final Path file;
        final ConntrackLineParser parser;
        final boolean keepRaw;
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
            this.keepRaw = keepRaw;
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
                        // A loss line is the GAP marker a live collector sends: it carries the last sequence.
                        head = LossLine.isLossLine(line) ? LossLine.parse(line, node, sequence, keepRaw)
                                : parser.parse(line, lastTime, ++sequence);
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
