package io.ctflow.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.ServiceStats;
import io.ctflow.config.UsageException;
import io.ctflow.json.AvroJson;
import io.ctflow.schemas.serde.AvroSerdes;
import io.ctflow.streams.AppConfig;
import java.util.HashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The demo's console view (each anomaly as it comes, one Service table per window) and its
 * --json-out file. A window's Services come from every stats partition, each in its own
 * transaction, so they are gathered and a window's table is printed once its records stop coming
 * (no Service stats for {@link #QUIET_NANOS}: ten commit intervals under exactly-once, so a stats
 * partition that commits a few intervals after another still lands in the same table), with its
 * Services in id order.
 */
final class ResultsView implements Closeable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    static final long QUIET_NANOS = 1_000_000_000L;
    private final PrintStream out;
    private final BufferedWriter json;
    private final LongSupplier nanoClock;
    private long lastStatsAt;
    private final SortedMap<Instant, SortedMap<String, ServiceStats>> pending = new TreeMap<>();
    int anomalies;
    int stats;

    ResultsView(PrintStream out, Path jsonOut) {
        this(out, jsonOut, System::nanoTime);
    }

    ResultsView(PrintStream out, Path jsonOut, LongSupplier nanoClock) {
        this.out = out;
        this.nanoClock = nanoClock;
        try {
            this.json = jsonOut == null ? null : Files.newBufferedWriter(jsonOut, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot write --json-out " + jsonOut + ": " + e.getMessage());
        }
    }

    /** Shows one poll's records; the Service tables wait until no more of them came for {@link #QUIET_NANOS}. */
    synchronized void show(ConsumerRecords<String, Object> records) {
        boolean anyStats = false;
        for (ConsumerRecord<String, Object> r : records) {
            if (r.value() instanceof NatAnomaly a) {
                anomaly(a);
            } else if (r.value() instanceof ServiceStats s) {
                stats(s);
                anyStats = true;
            }
        }
        long now = nanoClock.getAsLong();
        if (anyStats) {
            lastStatsAt = now;
        } else if (now - lastStatsAt >= QUIET_NANOS) {
            flush();
        }
    }

    /** A read_committed consumer of the anomalies and Service-stats topics, values decoded by topic. */
    static KafkaConsumer<String, Object> consumer(String bootstrap, AppConfig config) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "ctflow-demo-view");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Deserializer<NatAnomaly> anomalies = AvroSerdes.specific(NatAnomaly.class, config.kafka(), false).deserializer();
        Deserializer<ServiceStats> stats = AvroSerdes.specific(ServiceStats.class, config.kafka(), false).deserializer();
        String anomalyTopic = config.topics().anomalies();
        Deserializer<Object> byTopic = (topic, data) -> topic.equals(anomalyTopic)
                ? anomalies.deserialize(topic, data) : stats.deserialize(topic, data);
        return new KafkaConsumer<>(p, new StringDeserializer(), byTopic);
    }

    synchronized void anomaly(NatAnomaly a) {
        anomalies++;
        String who = a.getClient() != null ? a.getClient() + " -> " + a.getServiceAddress() + " -> " + a.getBackend() : a.getDetail();
        out.printf("%n!! %s %-8s %-6s on %s  %s%n", a.getType(), a.getStatus(), a.getCause() == null ? "" : a.getCause(),
                a.getNode(), a.getService() == null ? "" : a.getService());
        out.printf("   %s   (first seen %s, detected %s)%n", who, TIME.format(a.getFirstSeen()), TIME.format(a.getDetectedAt()));
        out.printf("   hint: %s%n", a.getHint());
        write(a, "anomaly");
    }

    /** Keeps a window's record for its table (printed by {@link #flush}) and writes it to the JSON file now. */
    synchronized void stats(ServiceStats s) {
        stats++;
        pending.computeIfAbsent(s.getWindowStart(), w -> new TreeMap<>()).put(s.getService(), s);
        write(s, "service-stats");
    }

    /** Prints every gathered window, oldest first, as one table each. */
    synchronized void flush() {
        for (SortedMap<String, ServiceStats> window : pending.values()) {
            ServiceStats first = window.values().iterator().next();
            out.printf("%n-- Services, window %s-%s UTC%n", TIME.format(first.getWindowStart()), TIME.format(first.getWindowEnd()));
            out.printf("   %-28s %5s %7s %9s %10s %6s %9s  %s%n", "service", "new", "replied", "unreplied", "incomplete", "active", "p50 setup", "states");
            for (ServiceStats s : window.values()) {
                long incomplete = s.getIncompleteNat().values().stream().mapToLong(Long::longValue).sum();
                out.printf("   %-28s %5d %7d %9d %10d %6d %9s  %s%n", s.getService(), s.getNewFlows(), s.getReplied(), s.getUnreplied(),
                        incomplete, s.getActive(), s.getSetupP50Micros() == null ? "-" : s.getSetupP50Micros() + "us", states(s.getStates()));
            }
        }
        pending.clear();
    }

    private static String states(Map<String, Long> m) {
        return m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    private void write(org.apache.avro.generic.IndexedRecord r, String kind) {
        if (json == null) {
            return;
        }
        ObjectNode o = AvroJson.MAPPER.createObjectNode().put("kind", kind);
        o.setAll(AvroJson.toJson(r));
        try {
            json.write(o.toString());
            json.newLine();
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        flush();
        if (json != null) {
            json.close();
        }
    }
}
