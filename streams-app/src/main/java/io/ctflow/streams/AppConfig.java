package io.ctflow.streams;

import io.ctflow.config.Settings;
import io.ctflow.schemas.Topics;
import io.ctflow.streams.flow.FlowRetention;
import io.ctflow.streams.outage.WaitForRegistryDeserializationHandler;
import io.ctflow.streams.outage.WaitForRegistryProductionHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The streams app's configuration: our own knobs (timeouts, windows, topics, HTTP) plus every Kafka
 * Streams / client / registry property, which passes through untouched.
 */
public record AppConfig(
        Topics topics,
        Duration tcpReplyTimeout,
        Duration udpReplyTimeout,
        Duration otherReplyTimeout,
        Duration grace,
        Duration window,
        Duration flowLinger,
        Duration flowReapSlack,
        Duration flowMaxAge,
        Set<String> requestResponseUdp,
        int eventsPartitions,
        String httpHost,
        int httpPort,
        Duration historyRetention,
        Map<String, Object> kafka) {

    public static final Set<String> OWN_KEYS = Set.of(
            "topic.prefix", "reply.timeout.tcp", "reply.timeout.udp", "reply.timeout.other", "grace", "window",
            "flow.linger", "flow.reap-slack", "flow.max-age", "udp.request-response", "events.partitions", "http.host", "http.port",
            "api.history-retention");

    public static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("topic.prefix", Topics.DEFAULT_PREFIX);
        d.put("reply.timeout.tcp", "3s");
        d.put("reply.timeout.udp", "5s");
        d.put("reply.timeout.other", "5s");
        d.put("grace", "1s");
        d.put("window", "10s");
        d.put("flow.linger", "30s");
        // The kernel reaps expired entries lazily: a DESTROY often comes tens of seconds after the
        // entry's timeout. A flow is kept that long past its last event's timeout, so the DESTROY
        // finds it; bounded by flow.max-age for long-lived entries (ESTABLISHED prints 432000 s).
        d.put("flow.reap-slack", "120s");
        d.put("flow.max-age", "1h");
        d.put("udp.request-response", "53");
        d.put("events.partitions", "0");
        d.put("http.host", "127.0.0.1");
        d.put("http.port", "7070");
        // How long closed Service windows stay queryable (GET /services?from=, /services/{id}/history),
        // in event time: 24 h of 10 s windows is 8,640 per Service.
        d.put("api.history-retention", "24h");
        d.put("bootstrap.servers", "127.0.0.1:9092");
        d.put("schema.registry.url", "http://127.0.0.1:8081");
        d.put("application.id", "ctflow-streams");
        d.put("processing.guarantee", "exactly_once_v2");
        d.put("commit.interval.ms", "100");
        // One bounded RocksDB memory budget for every store of the process (see RocksDbMemory).
        d.put("rocksdb.config.setter", RocksDbMemory.class.getName());
        // Streams purges repartition topics up to its committed offset (deleteRecords). A Kafka 4.4
        // broker then forgets the producer's sequence state and rejects its next batch
        // (OutOfOrderSequenceException, "no existing state"), failing the app under exactly-once.
        // So: no purging; the repartition topic is bounded by size instead (not by time: its records
        // carry event time, and a replayed capture's would be deleted at once).
        // With purging off the broker may still log "OutOfOrderSequenceException ... Expected sequence 0
        // for transactions v2 idempotent producer with no existing state" on the repartition topic.
        // That one is benign: under transactions v2 each transaction starts every partition's
        // sequence at 0 and the broker verifies the partition's membership implicitly on its first
        // batch; while that batch waits, the producer's next in-flight batches (up to 5 per
        // partition) arrive first and are refused with this retriable error, then retried in order.
        // In our bench runs no transaction was aborted and no task revived (see BENCHMARKS.md).
        d.put("repartition.purge.interval.ms", Long.toString(Long.MAX_VALUE));
        d.put("topic.retention.bytes", Long.toString(1L << 30));
        d.put("topic.segment.bytes", Long.toString(64L << 20));
        return d;
    }

    /** Defaults, then the file, then CTFLOW_* variables, then flags. */
    public static AppConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
        return from(Settings.load(defaults(), OWN_KEYS, file, env, flags));
    }

    /** Defaults overridden by the given values (tests, the embedded demo). */
    public static AppConfig of(Map<String, String> overrides) {
        return load(null, Map.of(), overrides);
    }

    public static AppConfig from(Settings s) {
        Set<String> rr = Arrays.stream(s.get("udp.request-response").split(","))
                .map(String::trim).filter(x -> !x.isEmpty()).collect(Collectors.toCollection(TreeSet::new));
        for (String port : rr) {
            try {
                int p = Integer.parseInt(port);
                if (p < 1 || p > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new Settings.ConfigException("udp.request-response must be a comma-separated list of ports, got '" + port + "'");
            }
        }
        Map<String, Object> kafka = new HashMap<>(s.kafka());
        Topics topics = new Topics(s.get("topic.prefix"));
        // A record the app cannot read (garbage, an unknown schema id, another record type) goes to
        // the streams dead-letter topic with the reason, topic, partition and offset in its headers
        // (Kafka Streams' own DLQ, KIP-1034), and the app goes on. Either can be overridden.
        kafka.putIfAbsent("errors.dead.letter.queue.topic.name", topics.streamsDlq());
        // A registry that does not answer is no reason to dead-letter a record: it waits (RegistryOutage).
        kafka.putIfAbsent("deserialization.exception.handler", WaitForRegistryDeserializationHandler.class.getName());
        kafka.putIfAbsent("production.exception.handler", WaitForRegistryProductionHandler.class.getName());
        AppConfig c = new AppConfig(topics,
                positive(s, "reply.timeout.tcp"), positive(s, "reply.timeout.udp"), positive(s, "reply.timeout.other"),
                s.getDuration("grace"), positive(s, "window"), s.getDuration("flow.linger"),
                s.getDuration("flow.reap-slack"), positive(s, "flow.max-age"), rr,
                s.getInt("events.partitions"), s.get("http.host"), s.getInt("http.port"),
                positive(s, "api.history-retention"), Map.copyOf(kafka));
        if (c.grace.isNegative()) {
            throw new Settings.ConfigException("grace must not be negative");
        }
        if (c.flowLinger.isNegative() || c.flowReapSlack.isNegative()) {
            throw new Settings.ConfigException("flow.linger and flow.reap-slack must not be negative");
        }
        return c;
    }

    private static Duration positive(Settings s, String key) {
        Duration d = s.getDuration(key);
        if (d.isZero() || d.isNegative()) {
            throw new Settings.ConfigException("setting '" + key + "' must be positive");
        }
        return d;
    }

    public AppConfig withEventsPartitions(int n) {
        return new AppConfig(topics, tcpReplyTimeout, udpReplyTimeout, otherReplyTimeout, grace, window, flowLinger,
                flowReapSlack, flowMaxAge, requestResponseUdp, n, httpHost, httpPort, historyRetention, kafka);
    }

    /** The longest reply timeout: how far a replay's closing heartbeat must reach. */
    public Duration maxReplyTimeout() {
        Duration m = tcpReplyTimeout;
        m = udpReplyTimeout.compareTo(m) > 0 ? udpReplyTimeout : m;
        return otherReplyTimeout.compareTo(m) > 0 ? otherReplyTimeout : m;
    }

    /** Event time past the last event after which every timer and window of it has fired. */
    public Duration settleTime() {
        return maxReplyTimeout().plus(grace).plus(window).plus(window).plus(grace).plus(Duration.ofSeconds(1));
    }

    /** How long flows are kept: see {@link FlowRetention}. */
    public FlowRetention flowRetention() {
        return FlowRetention.of(flowLinger, flowReapSlack, flowMaxAge);
    }

    public String registryUrl() {
        return String.valueOf(kafka.get("schema.registry.url"));
    }
}
