package io.ctflow.collector.publish;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.CollectorException;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.ConntrackEntry;
import io.ctflow.collector.parse.ServiceKeys;
import io.ctflow.flow.FlowKey;
import io.ctflow.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the collector's records to Kafka through one idempotent producer of bytes:
 * <ul>
 * <li>{@link ConntrackEvent} to {@code events}, keyed by {@link FlowKey} (its binary form, as
 *     {@link io.ctflow.flow.FlowKeySerde} writes it), record timestamp = event time;</li>
 * <li>HEARTBEAT and GAP markers to every partition of {@code events} (explicit partition numbers),
 *     so that every partition's event time advances;</li>
 * <li>{@link NodeFacts} to {@code node-facts} keyed by node, only when changed;</li>
 * <li>{@link NodeStats} to {@code node-stats} keyed by node;</li>
 * <li>{@link ServiceEntry} to {@code services} keyed by {@link ServiceKeys#key}, only when changed,
 *     with a tombstone when a Service disappears;</li>
 * <li>{@link DeadLetter} to {@code dlq} keyed by node.</li>
 * </ul>
 * Values are serialized on the calling thread (as KafkaProducer would) with {@link ValueSerializers};
 * the Avro serializers cache their schema ids, so there is no registry call per record. Nothing is
 * logged per record: a failed send is counted ({@code ctflow_send_errors_total}) and logged once per
 * kind of error; a fatal one (authorization, authentication, fenced or out-of-order producer,
 * unsupported broker) makes every later call throw a {@link CollectorException} with a clear message.
 * Thread-safe.
 */
public final class Publisher implements Sink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

    private final Producer<byte[], byte[]> producer;
    private final ValueSerializers serializers;
    private final Topics topics;
    // Topics builds a name per call: a new String per record would make every one of the producer's
    // map look-ups hash it again (String.hashCode was 6 % of the caller thread).
    private final String eventsTopic;
    private final CollectorMetrics metrics;

    private final Callback eventCallback;
    private final Callback markerCallback;
    private final Callback otherCallback;
    private final AtomicLong sendErrors = new AtomicLong();
    private final DeliveryWatch watch;
    private final Set<String> loggedKinds = ConcurrentHashMap.newKeySet();
    private volatile String fatal;

    // guarded by this
    private final Map<String, NodeFacts> lastFacts = new HashMap<>();
    private final Map<String, Map<String, ServiceEntry>> lastServices = new HashMap<>();

    /** Producer settings the collector wants unless the user overrides them. */
    public static Map<String, String> producerDefaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(ProducerConfig.ACKS_CONFIG, "all");
        d.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        d.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        d.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        d.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        // A broker outage is ridden out in memory: records are retried (idempotently: no duplicates, in
        // order) for 5 minutes; the buffer is bounded, and when it is full sending blocks (pausing the
        // reader) for up to 2 minutes before a record is dropped and counted.
        d.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000");
        d.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(32L << 20));
        d.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "120000");
        // Kafka 4's default (rebootstrap) forgets the cluster's metadata as soon as no broker answers:
        // every send then waits for metadata instead of going to the buffer, and the reader stalls
        // from the first second of an outage (seen as a thread dump in BrokerKillIT). Brokers come
        // back at their advertised names, so the collector keeps what it knew and buffers.
        d.put(CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
        return d;
    }

    /**
     * A publisher with a new {@link KafkaProducer}.
     *
     * @param config Kafka client properties (any: TLS, SASL, ...) plus the registry's
     *               ({@code schema.registry.url}, ...); {@link #producerDefaults()} fill the gaps.
     */
    public static Publisher create(Map<String, ?> config, Topics topics, CollectorMetrics metrics) {
        Map<String, Object> p = new HashMap<>(producerDefaults());
        p.putAll(config);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "ctflow-collector");
        ValueSerializers serializers;
        try {
            serializers = ValueSerializers.avro(config);
        } catch (IllegalArgumentException e) {
            throw CollectorException.user(e.getMessage());
        }
        KafkaProducer<byte[], byte[]> producer;
        try {
            producer = new KafkaProducer<>(p);
        } catch (KafkaException e) {
            throw CollectorException.environment("cannot create the Kafka producer: " + rootMessage(e), e);
        }
        DeliveryWatch watch = DeliveryWatch.start(producer, String.valueOf(p.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)),
                DeliveryWatch.DEFAULT_STALL);
        watch.listen(LOG::warn);
        return new Publisher(producer, serializers, topics, metrics, watch);
    }

    public Publisher(Producer<byte[], byte[]> producer, ValueSerializers serializers, Topics topics, CollectorMetrics metrics) {
        this(producer, serializers, topics, metrics, null);
    }

    private Publisher(Producer<byte[], byte[]> producer, ValueSerializers serializers, Topics topics, CollectorMetrics metrics,
                      DeliveryWatch watch) {
        this.producer = producer;
        this.watch = watch;
        this.serializers = serializers;
        this.topics = topics;
        this.eventsTopic = topics.events();
        this.metrics = metrics;
        this.eventCallback = (md, e) -> {
            if (e == null) {
                metrics.eventsPublished.inc();
                acked();
            } else {
                failed("ConntrackEvent", e);
            }
        };
        this.markerCallback = (md, e) -> {
            if (e != null) {
                failed("marker", e);
            } else {
                acked();
            }
        };
        this.otherCallback = (md, e) -> {
            if (e != null) {
                failed("record", e);
            } else {
                acked();
            }
        };
    }

    public Topics topics() {
        return topics;
    }

    private void acked() {
        if (watch != null) {
            watch.acked();
        }
    }

    /**
     * The watch that says when Kafka stops and resumes acknowledging (its notices are logged as
     * warnings); null for a publisher built around a given producer.
     */
    public DeliveryWatch deliveryWatch() {
        return watch;
    }

    /**
     * Serializes one record of each kind without sending it: registers the schemas with the registry
     * up front, so an unreachable or refusing registry is one clear error at startup rather than a
     * failure of the first event.
     */
    public void preflight() {
        Instant now = Instant.now();
        try {
            serializers.events().serialize(topics.events(), Sink.markerEvent(EventType.HEARTBEAT, "preflight", now, 0));
            serializers.facts().serialize(topics.nodeFacts(), new NodeFacts("preflight", now, Map.of(), List.of(), List.of(), List.of(), null, null));
            serializers.stats().serialize(topics.nodeStats(), new NodeStats("preflight", now, null, null, List.of(), 0L, 0L));
            serializers.services().serialize(topics.services(), new ServiceEntry("preflight", null, null, null,
                    ByteBuffer.wrap(new byte[4]), 1, io.ctflow.avro.Protocol.TCP, List.of(), null, "yaml", "preflight", now));
            serializers.deadLetters().serialize(topics.dlq(), new DeadLetter("preflight", "preflight", 0L, "", ByteBuffer.wrap(new byte[0]), now));
        } catch (RuntimeException e) {
            String msg = rootMessage(e);
            throw CollectorException.environment(msg.contains("schema registry") ? msg : "schema registry: " + msg, e);
        }
    }

    @Override
    public void event(ConntrackEvent e) {
        String topic = eventsTopic;
        byte[] value = serialize(serializers.events(), topic, e);
        if (value != null) {
            FlowKey key = FlowKey.of(e);
            send(topic, null, e.getTimestamp(), key == null ? null : key.rawBytes(), value, eventCallback);
        }
    }

    /** As {@code event(entry.toEvent(sequence))}: the same key, value and timestamp, without making the event. */
    @Override
    public void entry(ConntrackEntry entry, long sequence) {
        if (!(serializers.events() instanceof EventWireSerializer wire)) {
            event(entry.toEvent(sequence));
            return;
        }
        String topic = eventsTopic;
        checkHealthy();
        byte[] value;
        try {
            value = wire.serialize(topic, entry, sequence);
        } catch (RuntimeException e) {
            failed(ConntrackEvent.class.getSimpleName() + " serialization", e);
            return;
        }
        send(topic, null, entry.timestamp(), EventKeys.flowKey(entry), value, eventCallback);
    }

    @Override
    public void deadLetter(DeadLetter d) {
        String topic = topics.dlq();
        byte[] value = serialize(serializers.deadLetters(), topic, d);
        if (value != null) {
            send(topic, null, d.getTimestamp(), utf8(d.getNode()), value, otherCallback);
        }
    }

    @Override
    public synchronized boolean facts(NodeFacts f) {
        NodeFacts normalized = NodeFacts.newBuilder(f).setTimestamp(Instant.EPOCH).build();
        if (normalized.equals(lastFacts.get(f.getNode()))) {
            return false;
        }
        String topic = topics.nodeFacts();
        byte[] value = serialize(serializers.facts(), topic, f);
        if (value == null) {
            return false;
        }
        String node = f.getNode();
        lastFacts.put(node, normalized);
        send(topic, null, f.getTimestamp(), utf8(node), value, (md, e) -> {
            if (e != null) {
                forgetFacts(node); // send again at the next reading
                failed("NodeFacts", e);
            }
        });
        return true;
    }

    private synchronized void forgetFacts(String node) {
        lastFacts.remove(node);
    }

    @Override
    public synchronized int services(String scope, List<ServiceEntry> entries, Instant readAt) {
        Map<String, ServiceEntry> previous = lastServices.getOrDefault(scope, Map.of());
        Map<String, ServiceEntry> current = new LinkedHashMap<>();
        String topic = topics.services();
        int sent = 0;
        for (ServiceEntry s : entries) {
            String key = ServiceKeys.key(s);
            ServiceEntry normalized = ServiceEntry.newBuilder(s).setTimestamp(Instant.EPOCH).build();
            current.put(key, normalized);
            if (normalized.equals(previous.get(key))) {
                continue;
            }
            byte[] value = serialize(serializers.services(), topic, s);
            if (value != null) {
                send(topic, null, s.getTimestamp(), utf8(key), value, serviceCallback(scope, key));
                sent++;
            } else {
                current.remove(key);
            }
        }
        for (String key : previous.keySet()) {
            if (!current.containsKey(key)) {
                send(topic, null, readAt, utf8(key), null, serviceCallback(scope, key));
                sent++;
            }
        }
        lastServices.put(scope, current);
        return sent;
    }

    private Callback serviceCallback(String scope, String key) {
        return (md, e) -> {
            if (e != null) {
                forgetService(scope, key);
                failed("ServiceEntry", e);
            }
        };
    }

    private synchronized void forgetService(String scope, String key) {
        Map<String, ServiceEntry> m = lastServices.get(scope);
        if (m != null) {
            m.remove(key);
        }
    }

    @Override
    public void stats(NodeStats s) {
        String topic = topics.nodeStats();
        byte[] value = serialize(serializers.stats(), topic, s);
        if (value != null) {
            send(topic, null, s.getTimestamp(), utf8(s.getNode()), value, otherCallback);
        }
    }

    @Override
    public int marker(EventType type, String node, Instant time, long sequence) {
        String topic = eventsTopic;
        byte[] value = serialize(serializers.events(), topic, Sink.markerEvent(type, node, time, sequence));
        if (value == null) {
            return 0;
        }
        List<PartitionInfo> partitions;
        try {
            partitions = producer.partitionsFor(topic);
        } catch (InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            failed("marker", e);
            checkHealthy();
            return 0;
        }
        for (PartitionInfo p : partitions) {
            send(topic, p.partition(), time, null, value, markerCallback);
        }
        if (type == EventType.HEARTBEAT) {
            metrics.heartbeats.inc(partitions.size());
        } else {
            metrics.gaps.inc();
        }
        return partitions.size();
    }

    /** Partitions of the events topic as the producer's metadata has them. */
    public int eventPartitions() {
        return producer.partitionsFor(topics.events()).size();
    }

    @Override
    public void flush() {
        producer.flush();
        checkHealthy();
    }

    @Override
    public void checkHealthy() {
        String f = fatal;
        if (f != null) {
            throw CollectorException.environment(f);
        }
    }

    /** Records Kafka did not accept so far. */
    public long sendErrors() {
        return sendErrors.get();
    }

    /** The producer's own metrics (read at scrape time for publish latency and buffer use). */
    public Map<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> producerMetrics() {
        return producer.metrics();
    }

    /** The fatal error's message, or null. */
    public String fatalError() {
        return fatal;
    }

    /** Flushes (bounded) and closes the producer. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    public void close(Duration timeout) {
        if (watch != null) {
            watch.close();
        }
        try {
            producer.close(timeout);
        } catch (KafkaException e) {
            LOG.warn("closing the Kafka producer: {}", rootMessage(e));
        }
    }

    // ---- internals ----

    private <T> byte[] serialize(Serializer<T> s, String topic, T value) {
        checkHealthy();
        try {
            return s.serialize(topic, value);
        } catch (RuntimeException e) {
            failed(value.getClass().getSimpleName() + " serialization", e);
            return null;
        }
    }

    private void send(String topic, Integer partition, Instant time, byte[] key, byte[] value, Callback cb) {
        checkHealthy();
        try {
            producer.send(new ProducerRecord<>(topic, partition, time.toEpochMilli(), key, value), cb);
        } catch (InterruptException e) {
            throw e;
        } catch (ApiException e) {
            failed(topic, e);
        } catch (KafkaException | IllegalStateException e) {
            // Thrown rather than passed to the callback: the producer itself is unusable (closed, fatal state).
            failed(topic, e);
            fatal(e);
            checkHealthy();
        }
    }

    private void failed(String what, Exception e) {
        sendErrors.incrementAndGet();
        metrics.sendErrors.inc();
        if (isFatal(e)) {
            fatal(e);
        }
        String kind = what + "/" + e.getClass().getSimpleName();
        if (e instanceof BufferExhaustedException && loggedKinds.add(kind)) {
            LOG.error("the producer's buffer (buffer.memory) stayed full for max.block.ms while Kafka did not acknowledge: a {} was dropped"
                    + " (counted in ctflow_send_errors_total; further drops are not logged)", what);
        } else if (loggedKinds.add(kind)) {
            LOG.error("Kafka did not accept a {}: {}: {} (counted in ctflow_send_errors_total; further errors of this kind are not logged)",
                    what, e.getClass().getSimpleName(), rootMessage(e));
        }
    }

    private void fatal(Exception e) {
        if (fatal == null) {
            synchronized (this) {
                if (fatal == null) {
                    fatal = "Kafka refused the collector's records: " + rootMessage(e);
                }
            }
        }
    }

    static boolean isFatal(Throwable e) {
        return e instanceof AuthenticationException || e instanceof AuthorizationException
                || e instanceof ProducerFencedException || e instanceof OutOfOrderSequenceException
                || e instanceof UnsupportedVersionException || e instanceof InvalidTopicException;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The deepest message of a cause chain, prefixed by the exception's kind when it says little. */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        String msg = e.getMessage();
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null) {
                msg = t.getMessage();
            }
        }
        if (msg == null || msg.isBlank()) {
            return t.getClass().getSimpleName();
        }
        return msg;
    }
}
