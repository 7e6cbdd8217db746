package io.ctflow.cli.bench;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.collector.live.LinePublisher;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.ParseException;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.streams.AppConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.tools.ProducerPerformance;

/**
 * The collector's figures: its whole path (parse a kernel line, key it, Avro-encode it in the
 * Confluent wire format, produce it acknowledged) against Kafka's own ProducerPerformance sending
 * as many records of the same size with the same producer settings to the same broker; and our
 * wire serde against plain Avro binary on the same events.
 */
final class CollectorBench {
    private static final Pattern PERF_TOTAL =
            Pattern.compile("(\\d+) records sent, ([0-9.]+) records/sec");

    private CollectorBench() {}

    /** The kernel lines of a production workload's first {@code n} connection events, each as its node prints it. */
    static List<String> lines(int n) {
        Workload w = Workload.production(Math.max(1000, n / 9)); // 2 connections per open flow, ~4.9 events each: > n lines
        KernelLines render = new KernelLines(w);
        Workload.Steps s = w.steps();
        List<String> out = new ArrayList<>(n);
        while (out.size() < n && s.next()) {
            if (s.kind != Workload.Kind.HEARTBEAT) {
                out.add(render.line(s.kind, s.connection, s.micros).toString());
            }
        }
        return out;
    }

    static List<ConntrackEvent> parse(List<String> lines) throws ParseException {
        ConntrackLineParser p = new ConntrackLineParser("node1", false);
        List<ConntrackEvent> out = new ArrayList<>(lines.size());
        long seq = 0;
        for (String l : lines) {
            out.add(p.parse(l, Instant.EPOCH, ++seq));
        }
        return out;
    }

    /**
     * Events/s of one collector: each line through the live collector's own path ({@link LinePublisher}:
     * parse, sequence, then {@link Publisher#event}: key, wire Avro, send), until all are acknowledged.
     */
    static double collectorPath(BenchCluster cluster, AppConfig config, List<String> lines) {
        CollectorMetrics metrics = new CollectorMetrics();
        try (Publisher pub = cluster.publisher(config)) {
            pub.preflight(); // registers the schemas: no registry round trip inside the timed part
            LinePublisher collector = new LinePublisher("node1", false, pub, metrics);
            Instant now = Instant.EPOCH;
            long cpu0 = callerCpu();
            long t0 = System.nanoTime();
            long lineNo = 0;
            for (String l : lines) {
                collector.publish(l, "bench", ++lineNo, now);
            }
            pub.flush();
            double rate = lines.size() / ((System.nanoTime() - t0) / 1e9);
            reportCpu("collector path", callerCpu() - cpu0, lines.size());
            if (pub.sendErrors() > 0 || metrics.deadLetters.get() > 0) {
                throw new io.ctflow.config.RuntimeFailure(String.format(java.util.Locale.ROOT,
                        "of %,d lines, %,.0f did not parse and %,d were refused by the broker",
                        lines.size(), metrics.deadLetters.get(), pub.sendErrors()));
            }
            return rate;
        }
    }

    /**
     * CPU time of the calling thread (the one that parses, encodes and sends; ProducerPerformance
     * sends on it too): less sensitive than the wall-clock rates to other processes on the machine.
     */
    private static long callerCpu() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static void reportCpu(String what, long cpuNanos, int records) {
        System.err.printf(Locale.ROOT, "[bench] %s: caller thread CPU %,.0f ns per record (%,d records)%n",
                what, (double) cpuNanos / records, records);
    }

    /** Average size of the serialized values (what ProducerPerformance's records are sized to). */
    static int averageValueSize(List<ConntrackEvent> events, Serializer<ConntrackEvent> wire, String topic) {
        long bytes = 0;
        for (ConntrackEvent e : events) {
            bytes += wire.serialize(topic, e).length;
        }
        return (int) Math.max(1, bytes / Math.max(1, events.size()));
    }

    /** The producer settings both sides use: the collector's defaults. */
    static String perfSettings() {
        StringBuilder sb = new StringBuilder();
        Publisher.producerDefaults().forEach((k, v) -> sb.append(k).append('=').append(v).append(' '));
        return sb.toString().trim();
    }

    /**
     * Kafka's ProducerPerformance, in process, with the collector's producer settings; its own
     * total line ("N records sent, R records/sec ...") is the figure.
     */
    static double producerPerformance(BenchCluster cluster, String topic, int records, int recordSize) throws IOException {
        List<String> args = new ArrayList<>(List.of("--bootstrap-server", cluster.bootstrap(), "--topic", topic,
                "--num-records", Integer.toString(records), "--record-size", Integer.toString(recordSize),
                "--throughput", "-1", "--key-distribution", "range", "--record-key-range", "1000000",
                "--command-property"));
        for (Map.Entry<String, String> e : Publisher.producerDefaults().entrySet()) {
            args.add(e.getKey() + "=" + e.getValue());
        }
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        synchronized (System.class) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            long cpu0 = callerCpu();
            try {
                ProducerPerformance.main(args.toArray(String[]::new));
                reportCpu("ProducerPerformance", callerCpu() - cpu0, records);
            } catch (Exception e) {
                throw new IllegalStateException("ProducerPerformance failed: " + e.getMessage(), e);
            } finally {
                System.setOut(stdout);
            }
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            Matcher m = PERF_TOTAL.matcher(line);
            if (m.find() && !line.contains("steady state") && Long.parseLong(m.group(1)) == records) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new IllegalStateException("no total line in ProducerPerformance's output: " + text);
    }

    /** Events/s of our Confluent-wire serializer (magic byte, schema id, Avro binary). */
    static double wireSerde(List<ConntrackEvent> events, Serializer<ConntrackEvent> wire, String topic) {
        long t0 = System.nanoTime();
        long bytes = 0;
        for (ConntrackEvent e : events) {
            bytes += wire.serialize(topic, e).length;
        }
        return check(bytes, events.size() / ((System.nanoTime() - t0) / 1e9));
    }

    /** Events/s of plain Avro binary into a fresh byte[] per event: the floor any Avro serializer pays. */
    static double plainAvro(List<ConntrackEvent> events) throws IOException {
        SpecificDatumWriter<ConntrackEvent> writer = new SpecificDatumWriter<>(ConntrackEvent.class);
        ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
        BinaryEncoder enc = null;
        long t0 = System.nanoTime();
        long bytes = 0;
        for (ConntrackEvent e : events) {
            buf.reset();
            enc = EncoderFactory.get().binaryEncoder(buf, enc);
            writer.write(e, enc);
            enc.flush();
            bytes += buf.toByteArray().length;
        }
        return check(bytes, events.size() / ((System.nanoTime() - t0) / 1e9));
    }

    private static double check(long bytes, double rate) {
        if (bytes <= 0) {
            throw new IllegalStateException("nothing serialized");
        }
        return rate;
    }
}
