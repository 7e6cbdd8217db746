package io.ctflow.collector.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.schemas.Topics;
import io.ctflow.embedded.registry.RegistryServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The collector's hot path, parse + key + Avro serialize (the real registry serializer) + send, on
 * one thread, with a producer that drops the records: what one core does before Kafka's own I/O.
 * Prints the rate; the figures of record come from `ctflow bench` (BENCHMARKS.md), not from a timed assertion.
 */
class PublishThroughputTest {
    static final int WARMUP = 100_000;
    static final int MEASURED = 400_000;

    /** A producer that completes every send at once and keeps nothing. */
    static final class DroppingProducer extends MockProducer<byte[], byte[]> {
        long sent;

        DroppingProducer(Cluster cluster) {
            super(cluster, true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            sent++;
            if (callback != null) {
                callback.onCompletion(null, null);
            }
            return CompletableFuture.completedFuture(null);
        }
    }

    @Test
    void parseAndPublishOnOneCore() throws Exception {
        Topics topics = Topics.defaults();
        Node n = new Node(1, "localhost", 9092);
        List<PartitionInfo> parts = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            parts.add(new PartitionInfo(topics.events(), p, n, new Node[] {n}, new Node[] {n}));
        }
        DroppingProducer producer = new DroppingProducer(new Cluster("c", List.of(n), parts, Set.of(), Set.of()));
        try (RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            Publisher publisher = new Publisher(producer, ValueSerializers.avro(Map.of("schema.registry.url", registry.url())),
                    topics, new CollectorMetrics());
            ConntrackLineParser parser = new ConntrackLineParser("node1", false);
            List<String> lines = PublishThroughputTestLines.lines(WARMUP + MEASURED);
            Instant fallback = Instant.EPOCH;
            long seq = 0;
            for (int i = 0; i < WARMUP; i++) {
                publisher.event(parser.parse(lines.get(i), fallback, ++seq));
            }
            long requestsAfterWarmup = registry.requestCount();
            long start = System.nanoTime();
            for (int i = WARMUP; i < WARMUP + MEASURED; i++) {
                ConntrackEvent e = parser.parse(lines.get(i), fallback, ++seq);
                publisher.event(e);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            double rate = MEASURED / secs;
            System.out.printf(Locale.ROOT, "PublishThroughputTest: parse+serialize+send %d events in %.3f s = %.0f events/s%n",
                    MEASURED, secs, rate);
            assertEquals(WARMUP + MEASURED, producer.sent);
            assertEquals(requestsAfterWarmup, registry.requestCount(), "no registry call per record");
            // No timed assertion (machines are noisy): the rate is printed; BENCHMARKS.md has the figures.
            System.out.printf("parse+publish: %.0f events/s%n", rate);
        }
    }
}
