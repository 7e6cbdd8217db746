package io.ctflow.streams;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.config.Durations;
import io.ctflow.streams.metrics.NodeClocks;
import io.ctflow.streams.metrics.ResultsObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event time is the kernel's timestamp carried in the event, whatever the topic's timestamp type
 * (LogAppendTime would otherwise turn a replay into "now"), bounded by the broker's clock.
 *
 * <p>The bound: an event stamped more than {@code events.max-clock-ahead} after the broker appended
 * it comes from a node whose clock runs ahead. Its time becomes the append time plus that bound, in
 * the event itself, so the flow join, the heartbeats and the metrics all see the same time. Left
 * alone, it would move its partitions' watermark ahead (reply timers there fire before their
 * replies can come) and, beyond the brokers' {@code message.timestamp.after.max.ms} (1 h), have the
 * app's changelog and repartition writes refused, which stopped the app. The events topics use
 * {@code LogAppendTime}, so a record's timestamp is the broker's clock. (On a topic someone created
 * with {@code CreateTime} it is the collector's, the node's own clock, and bounds nothing.) The append
 * time is in the topic, so a replay bounds the same events the same way.
 *
 * <p>Shared by every task of the source (Kafka Streams keeps one extractor per source), so it is
 * thread-safe; the bounded path is rare and the common one only compares.
 */
public final class EventTimeExtractor implements TimestampExtractor {
    private static final Logger LOG = LoggerFactory.getLogger(EventTimeExtractor.class);
    /** A node's clock is reported again at most this often (wall clock). */
    static final Duration WARN_EVERY = Duration.ofMinutes(10);

    private final long maxAheadMillis;
    private final ResultsObserver observer;
    private final Map<String, Long> warnedAt = new ConcurrentHashMap<>();

    public EventTimeExtractor(Duration maxAhead, ResultsObserver observer) {
        this.maxAheadMillis = maxAhead.toMillis();
        this.observer = observer;
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof ConntrackEvent e) {
            long t = e.getTimestamp().toEpochMilli();
            long appendedAt = record.timestamp(); // Kafka Streams passes every record as CREATE_TIME: the type says nothing
            if (appendedAt >= 0 && t - appendedAt > maxAheadMillis) {
                return bound(e, t, appendedAt);
            }
            return t;
        }
        return record.timestamp() >= 0 ? record.timestamp() : partitionTime;
    }

    private long bound(ConntrackEvent e, long t, long appendedAt) {
        long bounded = appendedAt + maxAheadMillis;
        long ahead = t - appendedAt;
        Instant stamped = e.getTimestamp();
        e.setTimestamp(Instant.ofEpochMilli(bounded));
        String node = e.getNode() == null ? "" : e.getNode();
        observer.eventAhead(node, ahead);
        if (warnNow(node, System.currentTimeMillis())) {
            String bound = Durations.format(Duration.ofMillis(maxAheadMillis));
            LOG.warn("node {}: an event is stamped {} s after the broker appended it ({}), more than {} = {}: the node's clock runs "
                            + "ahead. Its events' time is bounded to the append time + {} (counted in ctflow_node_events_ahead_total). "
                            + "Fix the node's clock (NTP: chronyc tracking, timedatectl). Said again in {} if it goes on.",
                    node, String.format(Locale.ROOT, "%,.1f", ahead / 1000.0), stamped, AppConfig.EVENTS_MAX_CLOCK_AHEAD, bound, bound,
                    Durations.format(WARN_EVERY));
        }
        return bounded;
    }

    /** Whether to log {@code node}'s clock now: its first time, then every {@link #WARN_EVERY} (as many nodes as NodeClocks tracks). */
    boolean warnNow(String node, long now) {
        Long last = warnedAt.get(node);
        if (last == null ? warnedAt.size() >= NodeClocks.MAX_NODES : now - last < WARN_EVERY.toMillis()) {
            return false;
        }
        warnedAt.put(node, now);
        return true;
    }
}
