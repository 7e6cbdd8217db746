package io.ctflow.collector.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

/** The watch's notices from the producer's buffer metrics and acknowledgements, on a fake clock. */
class DeliveryWatchTest {
    private final MockProducer<byte[], byte[]> producer = new MockProducer<>();
    private final AtomicLong now = new AtomicLong();
    private final List<String> notices = new ArrayList<>();

    private void metric(String name, double value) {
        MetricName n = new MetricName(name, "producer-metrics", "", Map.of());
        producer.setMockMetrics(n, new Metric() {
            @Override
            public MetricName metricName() {
                return n;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        });
    }

    private DeliveryWatch watch() {
        DeliveryWatch w = new DeliveryWatch(producer, "127.0.0.1:9", Duration.ofSeconds(3), now::get, false);
        w.listen(notices::add);
        return w;
    }

    @Test
    void saysUnreachableWhenRecordsWaitWithoutAcknowledgementThenFullThenBack() {
        metric("buffer-total-bytes", 32 << 20);
        metric("buffer-available-bytes", 16 << 20);
        metric("waiting-threads", 0);
        DeliveryWatch w = watch();
        now.set(1_000_000_000L);
        w.check();
        now.set(3_000_000_000L);
        w.check();
        assertEquals(List.of(), notices, "2 s without acknowledgement is not an outage yet");
        now.set(5_000_000_000L);
        w.check();
        assertTrue(w.unreachable());
        assertEquals(List.of("Kafka at 127.0.0.1:9 is unreachable (no acknowledgement for 4 s); buffering records in memory"
                + " (buffer.memory 32 MiB) and retrying until delivery.timeout.ms"), notices);
        metric("waiting-threads", 1);
        w.check();
        w.check();
        assertEquals(2, notices.size(), notices.toString());
        assertTrue(notices.get(1).startsWith("the producer's buffer is full (buffer.memory 32 MiB): publishing waits for Kafka"), notices.get(1));
        now.set(15_000_000_000L);
        w.acked();
        w.check();
        assertFalse(w.unreachable());
        assertEquals("Kafka at 127.0.0.1:9 is back after 14 s; delivering the buffered records", notices.get(2));
    }

    @Test
    void recordsThatBeginToWaitAfterAnIdleSpellAreNotAnOutageAtOnce() {
        metric("buffer-total-bytes", 32 << 20);
        metric("buffer-available-bytes", 32 << 20);
        DeliveryWatch w = watch();
        now.set(60_000_000_000L);
        w.check();
        metric("buffer-available-bytes", 31 << 20);
        now.set(60_500_000_000L);
        w.check();
        now.set(62_000_000_000L);
        w.check();
        assertFalse(w.unreachable(), "waiting 1.5 s after a minute of idleness");
        now.set(64_000_000_000L);
        w.check();
        assertTrue(w.unreachable());
    }

    @Test
    void anIdleProducerIsNotAnOutage() {
        metric("buffer-total-bytes", 32 << 20);
        metric("buffer-available-bytes", 32 << 20);
        DeliveryWatch w = watch();
        now.set(60_000_000_000L);
        w.check();
        assertFalse(w.unreachable());
        assertEquals(List.of(), notices);
    }
}
