package io.ctflow.collector.publish;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Says when Kafka stops acknowledging the producer's records and when it acknowledges them again.
 * Meanwhile the idempotent producer keeps them in its buffer ({@code buffer.memory}) and retries
 * until {@code delivery.timeout.ms}; when the buffer is full, sending blocks (up to
 * {@code max.block.ms}), which pauses a replay and the live collector's reader: that is said once
 * too. It looks at the producer's own metrics twice a second, so nothing is done per record but a
 * timestamp store on acknowledgement.
 */
public final class DeliveryWatch implements AutoCloseable {
    /** How long records may wait without an acknowledgement before Kafka is called unreachable. */
    public static final Duration DEFAULT_STALL = Duration.ofSeconds(3);

    private final Producer<?, ?> producer;
    private final String bootstrap;
    private final long stallNanos;
    private final LongSupplier clock;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;

    private volatile long lastAck;
    // only the timer thread touches these
    private long downSince = -1;
    private long waitingSince = -1;
    private boolean fullSaid;

    DeliveryWatch(Producer<?, ?> producer, String bootstrap, Duration stall, LongSupplier clock, boolean start) {
        this.producer = producer;
        this.bootstrap = bootstrap;
        this.stallNanos = stall.toNanos();
        this.clock = clock;
        this.lastAck = clock.getAsLong();
        if (start) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ctflow-delivery-watch");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(this::check, 500, 500, TimeUnit.MILLISECONDS);
        } else {
            timer = null;
        }
    }

    /** A watch that checks twice a second on a daemon thread. */
    public static DeliveryWatch start(Producer<?, ?> producer, String bootstrap, Duration stall) {
        return new DeliveryWatch(producer, bootstrap, stall, System::nanoTime, true);
    }

    /** Receives each notice (one line); the publisher logs them. */
    public void listen(Consumer<String> listener) {
        listeners.add(listener);
    }

    /** Kafka acknowledged a record. */
    void acked() {
        lastAck = clock.getAsLong();
    }

    /** Whether Kafka is currently called unreachable. */
    public synchronized boolean unreachable() {
        return downSince >= 0;
    }

    synchronized void check() {
        long now = clock.getAsLong();
        long ack = lastAck;
        double used = metric("buffer-total-bytes") - metric("buffer-available-bytes");
        if (downSince < 0) {
            // records waiting, and none acknowledged since they began to wait (an idle spell is no outage)
            if (used <= 0) {
                waitingSince = -1;
                return;
            }
            if (waitingSince < 0) {
                waitingSince = now;
            }
            long quiet = now - Math.max(ack, waitingSince);
            if (quiet > stallNanos) {
                downSince = Math.max(ack, waitingSince);
                fullSaid = false;
                say("Kafka at " + bootstrap + " is unreachable (no acknowledgement for " + seconds(quiet)
                        + " s); buffering records in memory (buffer.memory " + mib(metric("buffer-total-bytes"))
                        + " MiB) and retrying until delivery.timeout.ms");
            }
            return;
        }
        if (ack > downSince) {
            say("Kafka at " + bootstrap + " is back after " + seconds(ack - downSince) + " s; delivering the buffered records");
            downSince = -1;
            waitingSince = -1;
            return;
        }
        if (!fullSaid && metric("waiting-threads") > 0) {
            fullSaid = true;
            say("the producer's buffer is full (buffer.memory " + mib(metric("buffer-total-bytes"))
                    + " MiB): publishing waits for Kafka; after max.block.ms a record is dropped and counted in ctflow_send_errors_total");
        }
    }

    private void say(String notice) {
        for (Consumer<String> l : listeners) {
            l.accept(notice);
        }
    }

    private double metric(String name) {
        for (Map.Entry<MetricName, ? extends Metric> e : producer.metrics().entrySet()) {
            MetricName n = e.getKey();
            if (n.name().equals(name) && n.group().equals("producer-metrics")) {
                Object v = e.getValue().metricValue();
                return v instanceof Number num ? num.doubleValue() : 0;
            }
        }
        return 0;
    }

    private static long seconds(long nanos) {
        return Math.round(nanos / 1e9);
    }

    private static long mib(double bytes) {
        return Math.round(bytes / (1 << 20));
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
