package io.ctflow.streams;

import io.ctflow.config.ClientKeys;
import io.ctflow.config.ConfigSchema;
import io.ctflow.config.ConfigSources;
import io.ctflow.config.Settings;
import io.ctflow.schemas.Topics;
import io.ctflow.streams.flow.DecodedFlowsBudget;
import io.ctflow.streams.flow.FlowRetention;
import io.ctflow.streams.outage.WaitForRegistryDeserializationHandler;
import io.ctflow.streams.outage.WaitForRegistryProductionHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The streams app's configuration: our own knobs (timeouts, windows, topics, HTTP), each declared once
 * in {@link #SCHEMA}, plus every Kafka Streams / client / registry property, which passes through untouched.
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
        long flowDecodedMemory,
        int flowTimersPerRecord,
        Set<String> requestResponseUdp,
        int eventsPartitions,
        String httpHost,
        int httpPort,
        Duration historyRetention,
        Duration anomalyCommitWithin,
        Duration maxClockAhead,
        Map<String, Object> kafka) {

    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String REPLY_TIMEOUT_TCP = "reply.timeout.tcp";
    public static final String REPLY_TIMEOUT_UDP = "reply.timeout.udp";
    public static final String REPLY_TIMEOUT_OTHER = "reply.timeout.other";
    public static final String GRACE = "grace";
    public static final String WINDOW = "window";
    public static final String FLOW_LINGER = "flow.linger";
    public static final String FLOW_REAP_SLACK = "flow.reap-slack";
    public static final String FLOW_MAX_AGE = "flow.max-age";
    public static final String FLOW_DECODED_MEMORY = "flow.decoded-memory";
    public static final String FLOW_TIMERS_PER_RECORD = "flow.timers-per-record";
    public static final String UDP_REQUEST_RESPONSE = "udp.request-response";
    public static final String EVENTS_PARTITIONS = "events.partitions";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String HISTORY_RETENTION = "api.history-retention";
    public static final String ANOMALY_COMMIT_WITHIN = "anomaly.commit-within";
    public static final String EVENTS_MAX_CLOCK_AHEAD = "events.max-clock-ahead";
    public static final String APPLICATION_ID = "application.id";
    public static final String STATE_DIR = "state.dir";
    public static final int DEFAULT_HTTP_PORT = 7070;

    private static final Duration POSITIVE = Duration.ofMillis(1);

    private static final ConfigDef.Validator PORTS = ConfigDef.LambdaValidator.with((name, value) -> {
        for (Object port : (java.util.List<?>) value) {
            int p;
            try {
                p = Integer.parseInt(port.toString());
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 1 || p > 65535) {
                throw new org.apache.kafka.common.config.ConfigException(name, value, "'" + port + "' is not a port");
            }
        }
    }, () -> "comma-separated ports 1-65535");

    /** Every setting of the streams app, declared once (see {@code ctflow streams --help-config}). */
    public static final ConfigSchema SCHEMA = ClientKeys.schema()
            .client(APPLICATION_ID, Type.STRING, "ctflow-streams", new ConfigDef.NonEmptyString(),
                    "Kafka Streams application id: consumer group, transactional id and internal topic prefix")
            .client("processing.guarantee", Type.STRING, "exactly_once_v2", null, "Kafka Streams processing guarantee")
            .client("commit.interval.ms", Type.LONG, 100L, ConfigDef.Range.atLeast(0), "Kafka Streams commit interval")
            // Every task of our topology reads one partition, so idling to order records across a task's
            // partitions never applies; at 0 Kafka Streams still formats a log message each time a task's
            // only queue runs empty (PartitionGroup.readyToProcess), 5 % of the stream thread in our profile.
            .client("max.task.idle.ms", Type.LONG, -1L, ConfigDef.Range.atLeast(-1),
                    "Kafka Streams task idling across input partitions (-1: none; each ctflow task reads one partition)")
            .client(STATE_DIR, Type.STRING, null, null, "Kafka Streams state directory (default: Kafka Streams' own)")
            .define(TOPIC_PREFIX, Type.STRING, Topics.DEFAULT_PREFIX, null, "prefix of every ctflow topic name")
            .duration(REPLY_TIMEOUT_TCP, "3s", POSITIVE, "how long a NATed TCP entry may stay unreplied before it is an anomaly")
            .duration(REPLY_TIMEOUT_UDP, "5s", POSITIVE, "the same for UDP (request-response ports only)")
            .duration(REPLY_TIMEOUT_OTHER, "5s", POSITIVE, "the same for other protocols")
            .duration(GRACE, "1s", Duration.ZERO, "clock skew allowed between nodes")
            .duration(WINDOW, "10s", POSITIVE, "Service-stats tumbling window")
            .define(UDP_REQUEST_RESPONSE, Type.LIST, "53", PORTS, "UDP ports whose silence is an anomaly")
            .duration(FLOW_LINGER, "30s", Duration.ZERO,
                    "how long a finished flow (DESTROY seen on every node that saw it) is kept for stragglers")
            // The kernel reaps expired entries lazily: a DESTROY often comes tens of seconds after the
            // entry's timeout; bounded by flow.max-age for long-lived entries (ESTABLISHED prints 432000 s).
            .duration(FLOW_REAP_SLACK, "120s", Duration.ZERO, "how long past its last event's conntrack timeout a flow is kept: "
                    + "the kernel reaps expired entries lazily, so a DESTROY can come that late")
            .duration(FLOW_MAX_AGE, "1h", POSITIVE,
                    "upper bound on how long a flow is kept after its last event (ESTABLISHED prints a 5-day timeout)")
            // A connection's later events (TIME_WAIT, DESTROY) come a lifetime after its first ones, so
            // keeping flows decoded saves store reads only once the set holds nearly all open flows: in the
            // production bench x1.1-1.35 with every flow decoded (BENCHMARKS.md, seventh to tenth rounds).
            // So the default follows the heap (as Kafka Streams' record cache does not) rather than a
            // fixed number that is too small on a large node and too large on a small one.
            .memory(FLOW_DECODED_MEMORY, DecodedFlowsBudget.DEFAULT, DecodedFlowsBudget.MIN_PER_TASK,
                    "heap the instance spends on flows kept decoded in front of the flows store (bytes, or a share of the "
                            + "JVM's max heap), split among its flow-join tasks: a flow changed several times between commits is "
                            + "written once, and one still held is not read again; ~370 B per healthy flow, ~1 kB more per "
                            + "evidence event of an unreplied one (ctflow bench --only state); every open flow stays decoded "
                            + "above ~2 x 370 B per open flow; up to an eighth more counts the stored flows' keys (~16 B each) so "
                            + "a new connection's flow is not looked up in the store")
            // A timer costs ~4 us (a million expiry checks took 3.4-4.6 s in one record): 10,000 is ~40 ms
            // of a record's work, far inside the transaction timeout (BENCHMARKS.md, twenty-first round).
            .define(FLOW_TIMERS_PER_RECORD, Type.INT, 10_000, ConfigDef.Range.atLeast(1),
                    "timers (reply timeouts, expiry checks) a flow-join task fires at most per input record (and three times "
                            + "that every 100 ms while more are due and no record comes): when event time jumps (a replay's end, "
                            + "a node's clock stepping ahead, a restart) the due timers fire over the next records instead of in "
                            + "one that could outlive the transaction timeout; a flow's own due timers still fire before its next event")
            // The app's internal topics carry event time, and a broker refuses a record stamped more than
            // message.timestamp.after.max.ms (1 h) after its own clock: one node an hour ahead stopped the
            // app (BENCHMARKS.md, twenty-first round). A node ahead also moves its partitions' watermark
            // ahead, firing reply timers before replies can come. The events topics use LogAppendTime, so
            // each record carries the broker's clock to compare with.
            .duration(EVENTS_MAX_CLOCK_AHEAD, "1m", Duration.ZERO, "how far an event's kernel time may lead the broker's "
                    + "append time (its node's clock running ahead) before it is bounded to the append time plus this, "
                    + "counted in ctflow_node_events_ahead_total and logged; keep it well below the brokers' "
                    + "message.timestamp.after.max.ms (1 h)")
            .define(EVENTS_PARTITIONS, Type.INT, 0, ConfigDef.Range.atLeast(0),
                    "partitions of the events topic; 0: read from Kafka at start")
            .define(HTTP_HOST, Type.STRING, "127.0.0.1", new ConfigDef.NonEmptyString(), "HTTP API address")
            .define(HTTP_PORT, Type.INT, DEFAULT_HTTP_PORT, ConfigDef.Range.between(0, 65535), "HTTP API port (0: any free port)")
            // 24 h of 10 s windows is 8,640 per Service.
            .duration(HISTORY_RETENTION, "24h", POSITIVE, "how long closed Service windows stay queryable "
                    + "(/services?from=, /services/{id}/history), in event time")
            // Under exactly-once an anomaly is visible once its transaction commits: without this it
            // waited for the next regular commit (commit.interval.ms, 100 ms). 50 ms, measured
            // (BENCHMARKS.md): p99 106-117 ms at 5-10 k events/s and 137 / 273 ms at 20 k/s (two runs)
            // vs 179-224 and 209 / 460 ms without; 20 ms gave 87-98 ms at 5-10 k/s but 356 ms at
            // 20 k/s (the extra commits push a busy thread to its limit).
            .duration(ANOMALY_COMMIT_WITHIN, "50ms", Duration.ZERO, "after an anomaly comes out while the app is live "
                    + "(its events less than 100 ms behind the wall clock), ask Kafka Streams to commit within this time so consumers "
                    + "see it sooner; while anomalies flow, commits come at most this often (0: wait for commit.interval.ms)")
            .client("rocksdb.config.setter", Type.STRING, RocksDbMemory.class.getName(), null,
                    "one bounded RocksDB memory budget for every store of the process, with filters on every level for point lookups")
            .client(RocksDbMemory.MEMORY_BYTES, Type.LONG, RocksDbMemory.DEFAULT_MEMORY, ConfigDef.Range.atLeast(1L << 20),
                    "RocksDB memory of all the process's state stores together: one shared block cache (index and filter "
                            + "blocks included) that memtables are charged to")
            .client(RocksDbMemory.MEMTABLE_RATIO, Type.DOUBLE, RocksDbMemory.DEFAULT_MEMTABLE_RATIO, ConfigDef.Range.between(0.0, 1.0),
                    "share of that budget memtables may take")
            // Transactions v2 bump the producer epoch at every commit, so each transaction starts every
            // partition's sequence at 0, and the broker verifies the partition's membership on that first
            // batch before appending it. With up to 5 requests in flight the producer's next batch for the
            // same partition could arrive while the first one waited, and the broker refused it
            // ("OutOfOrderSequenceException ... Expected sequence 0 for transactions v2 idempotent producer
            // with no existing state", logged at ERROR, retried by the producer: no abort, but an error per
            // transaction on busy changelogs). One request in flight per connection makes the second batch
            // wait for the first one's answer; batches are large (a commit's records go in few requests),
            // so throughput holds (BENCHMARKS.md).
            .client("producer.max.in.flight.requests.per.connection", Type.INT, 1, ConfigDef.Range.between(1, 5),
                    "requests the Streams producer sends before an answer (1: no refused out-of-order batch under transactions v2)")
            // Streams purges repartition topics up to its committed offset (deleteRecords). A Kafka 4.4
            // broker then forgets the producer's sequence state and rejects its next batch
            // (OutOfOrderSequenceException, "no existing state"), failing the app under exactly-once.
            // So: no purging; the repartition topic is bounded by size instead (not by time: its records
            // carry event time, and a replayed capture's would be deleted at once).
            .client("repartition.purge.interval.ms", Type.LONG, Long.MAX_VALUE, null,
                    "never purge repartition topics (a Kafka 4.4 broker then rejects exactly-once batches); bounded by size instead")
            .client("topic.retention.bytes", Type.LONG, 1L << 30, null, "retention.bytes of the internal (repartition) topics")
            .client("topic.segment.bytes", Type.LONG, 64L << 20, null, "segment.bytes of the internal topics")
            // Every finished connection leaves a tombstone in the flows changelog (its quiet expiry deletes
            // it). Kafka keeps a compacted topic's tombstones 24 h: at 20 k connections/s on a partition that
            // is up to 1.7 billion records, which a restore from scratch reads through. An hour keeps 72 million,
            // and still bounds how long a restore may take (Kafka: a reader from offset 0 must reach the end
            // within it, or a tombstone cleaned meanwhile leaves it the deleted flow's older value).
            .client("topic.delete.retention.ms", Type.LONG, 3_600_000L, ConfigDef.Range.atLeast(0),
                    "delete.retention.ms of the internal topics: how long a changelog keeps a tombstone (every finished flow "
                            + "leaves one); a restore must read a changelog through within this time");

    /** The defaults as text (our keys and the Kafka ones we set). */
    public static Map<String, String> defaults() {
        return Settings.defaults(SCHEMA).all();
    }

    /** Defaults, then the file, then CTFLOW_* variables, then flags. */
    public static AppConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
        return load(new ConfigSources(file, env, ConfigSources.flags(flags, "a flag"), Map.of()));
    }

    /** Defaults, the file, CTFLOW_* variables, flags and --set, in rising precedence. */
    public static AppConfig load(ConfigSources sources) {
        return from(Settings.load(SCHEMA, sources));
    }

    /** Defaults overridden by the given values (tests, the embedded demo). */
    public static AppConfig of(Map<String, String> overrides) {
        return load(ConfigSources.of(overrides));
    }

    public static AppConfig from(Settings s) {
        Set<String> rr = new TreeSet<>(s.list(UDP_REQUEST_RESPONSE));
        Map<String, Object> kafka = new HashMap<>(s.kafka());
        Topics topics = new Topics(s.string(TOPIC_PREFIX));
        // A record the app cannot read (garbage, an unknown schema id, another record type) goes to
        // the streams dead-letter topic with the reason, topic, partition and offset in its headers
        // (Kafka Streams' own DLQ, KIP-1034), and the app goes on. Either can be overridden.
        kafka.putIfAbsent("errors.dead.letter.queue.topic.name", topics.streamsDlq());
        // A registry that does not answer is no reason to dead-letter a record: it waits (RegistryOutage).
        kafka.putIfAbsent("deserialization.exception.handler", WaitForRegistryDeserializationHandler.class.getName());
        kafka.putIfAbsent("production.exception.handler", WaitForRegistryProductionHandler.class.getName());
        return new AppConfig(topics,
                s.duration(REPLY_TIMEOUT_TCP), s.duration(REPLY_TIMEOUT_UDP), s.duration(REPLY_TIMEOUT_OTHER),
                s.duration(GRACE), s.duration(WINDOW), s.duration(FLOW_LINGER),
                s.duration(FLOW_REAP_SLACK), s.duration(FLOW_MAX_AGE), s.memory(FLOW_DECODED_MEMORY), s.integer(FLOW_TIMERS_PER_RECORD), rr,
                s.integer(EVENTS_PARTITIONS), s.string(HTTP_HOST), s.integer(HTTP_PORT),
                s.duration(HISTORY_RETENTION), s.duration(ANOMALY_COMMIT_WITHIN), s.duration(EVENTS_MAX_CLOCK_AHEAD), Map.copyOf(kafka));
    }

    public AppConfig withEventsPartitions(int n) {
        return new AppConfig(topics, tcpReplyTimeout, udpReplyTimeout, otherReplyTimeout, grace, window, flowLinger,
                flowReapSlack, flowMaxAge, flowDecodedMemory, flowTimersPerRecord, requestResponseUdp, n, httpHost, httpPort, historyRetention, anomalyCommitWithin,
                maxClockAhead, kafka);
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
        return String.valueOf(kafka.get(ClientKeys.SCHEMA_REGISTRY_URL));
    }
}
