package io.ctflow.streams.metrics;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.ServiceStats;
import java.util.Map;

/**
 * What the topology tells the metrics as it goes: each input event, each anomaly it emits, each
 * Service window it closes. Called on stream threads (several at once), so implementations are
 * thread-safe, cheap, and allocate nothing per event.
 */
public interface ResultsObserver {
    /** Does nothing: the topology of tests and tools without metrics. */
    ResultsObserver NONE = new ResultsObserver() { };

    /** An input record of the events topic (null values included) as the flow join is about to see it. */
    default void event(ConntrackEvent e) { }

    /**
     * An event of {@code node} stamped {@code aheadMillis} after the broker appended it, more than
     * {@code events.max-clock-ahead}: its time was bounded (the node's clock runs ahead). Rare.
     */
    default void eventAhead(String node, long aheadMillis) { }

    /** An anomaly the flow join or the node-anomaly processor emits (OPEN or RESOLVED). */
    default void anomaly(NatAnomaly a) { }

    /**
     * A Service window the stats processor closed and emitted.
     *
     * @param latencyBuckets the window's setup latencies as {@code LatencyHistogram} buckets (index → count)
     */
    default void windowClosed(String service, ServiceStats stats, Map<String, Long> latencyBuckets) { }
}
