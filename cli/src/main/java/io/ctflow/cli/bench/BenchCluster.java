package io.ctflow.cli.bench;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.schemas.TopicCreation;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.streams.AppConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The embedded broker and registry every streams and collector measurement of one bench run
 * shares, the app settings of the run ({@code --set}), and input loading as the collector does it.
 * Each measurement gets its own topic prefix, so inputs of different partition counts coexist.
 */
final class BenchCluster implements AutoCloseable {
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(60);
    final EmbeddedKafka kafka;
    final RegistryServer registry;
    final Admin admin;
    private final Map<String, String> settings;

    private BenchCluster(EmbeddedKafka kafka, RegistryServer registry, Map<String, String> settings) {
        this.kafka = kafka;
        this.registry = registry;
        this.settings = settings;
        this.admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    static BenchCluster start(Map<String, String> settings) {
        RegistryServer registry = RegistryServer.start("127.0.0.1", 0);
        try {
            // The log cleaner as a production broker has it (Kafka's default offset map, not the embedded 8 MiB)
            EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).longRunning().build().start();
            return new BenchCluster(kafka, registry, Map.copyOf(settings));
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    String bootstrap() {
        return kafka.bootstrapServers();
    }

    /** The app's settings for one measurement: the run's {@code --set}s, this broker and registry, own topics. */
    AppConfig config(String topicPrefix, int partitions) {
        Map<String, String> s = new HashMap<>(settings);
        s.put("bootstrap.servers", bootstrap());
        s.put("schema.registry.url", registry.url());
        s.put("topic.prefix", topicPrefix);
        s.put("events.partitions", Integer.toString(partitions));
        return AppConfig.of(s);
    }

    /**
     * All ctflow topics under the config's prefix, plus the given extra ones, with this many
     * partitions, created as every ctflow component creates them ({@link TopicCreation}: only the
     * missing ones, returning once every partition serves, before any idempotent producer starts).
     */
    void createTopics(AppConfig config, int partitions, String... extra) throws InterruptedException, ExecutionException {
        List<NewTopic> topics = new ArrayList<>(config.topics().all(partitions, (short) 1));
        for (String t : extra) {
            topics.add(new NewTopic(t, partitions, (short) 1));
        }
        try {
            TopicCreation.createMissing(admin, topics, TOPIC_TIMEOUT);
        } catch (TimeoutException e) {
            throw new io.ctflow.config.RuntimeFailure("bench: topics of " + config.topics().prefix() + " not served within " + TOPIC_TIMEOUT, e);
        }
    }

    /**
     * Deletes a finished run's internal topics (its changelogs and repartition topics), as
     * {@code kafka-streams-application-reset} would. Left behind, their changelogs keep the broker's
     * log cleaner compacting on the two cores the next runs are timed on: after a full bench's
     * production and small parts it took over half a core during the history part's last window
     * (BENCHMARKS.md, thirteenth round). Best effort: what it cannot delete goes with the broker's
     * data directory when the bench ends.
     */
    void dropInternalTopics(String applicationId) {
        try {
            Set<String> internal = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.startsWith(applicationId + "-") && (t.endsWith("-changelog") || t.endsWith("-repartition")))
                    .collect(Collectors.toSet());
            if (!internal.isEmpty()) {
                admin.deleteTopics(internal).all().get(60, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // a stopping bench: its broker data goes anyway
        } catch (ExecutionException | TimeoutException e) {
            // best effort, as documented above
        }
    }

    /** A publisher exactly as the collector makes one (acks=all, idempotent, zstd, linger 20 ms). */
    Publisher publisher(AppConfig config) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrap());
        p.put("schema.registry.url", registry.url());
        return Publisher.create(p, config.topics(), new CollectorMetrics());
    }

    /**
     * Publishes a workload as its nodes' collectors would: Services and node facts first, then the
     * events in time order, heartbeats to every partition. Returns the records in the events topic.
     */
    long load(AppConfig config, Workload w, Progress progress) throws InterruptedException, ExecutionException {
        return load(config, w, progress, Long.MAX_VALUE);
    }

    /** As {@link #load(AppConfig, Workload, Progress)}, only the events before {@code untilMicros} of event time. */
    long load(AppConfig config, Workload w, Progress progress, long untilMicros) throws InterruptedException, ExecutionException {
        try (Publisher pub = publisher(config)) {
            publishTopology(pub, w);
            WorkloadEvents events = new WorkloadEvents(w);
            long n = 0;
            while (events.hasNext()) {
                ConntrackEvent e = events.next();
                if (events.step().micros >= untilMicros) {
                    break;
                }
                send(pub, e);
                if (++n % 500_000 == 0) {
                    progress.say("loaded %,d events", n);
                }
            }
            pub.flush();
        }
        return endOffsets(config.topics().events());
    }

    static void publishTopology(Publisher pub, Workload w) {
        pub.services("bench", w.serviceEntries(), WorkloadEvents.micros(w.startMicros()));
        w.nodeFacts().forEach(pub::facts);
        pub.flush();
    }

    static void send(Publisher pub, ConntrackEvent e) {
        if (e.getType() == EventType.HEARTBEAT) {
            pub.marker(EventType.HEARTBEAT, e.getNode(), e.getTimestamp(), e.getSequence());
        } else {
            pub.event(e);
        }
    }

    /** Records in the topic (sum of end offsets; the bench never deletes any). */
    long endOffsets(String topic) throws InterruptedException, ExecutionException {
        long sum = 0;
        for (long o : endOffsetsByPartition(topic).values()) {
            sum += o;
        }
        return sum;
    }

    /** The group's committed offsets of the topic, summed over its partitions (0 where none). */
    long committed(String group, String topic) throws InterruptedException, ExecutionException {
        Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        long sum = 0;
        for (var e : offsets.entrySet()) {
            if (e.getKey().topic().equals(topic) && e.getValue() != null) {
                sum += e.getValue().offset();
            }
        }
        return sum;
    }

    Map<TopicPartition, Long> endOffsetsByPartition(String topic) throws InterruptedException, ExecutionException {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            q.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(q).all().get().forEach((tp, r) -> out.put(tp, r.offset()));
        return out;
    }

    @Override
    public void close() {
        admin.close();
        kafka.close();
        registry.close();
    }
}
