package io.ctflow.streams.flow;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NodeView;
import java.time.Duration;

/**
 * How long a flow's state is kept: as long as the kernel may still send events for it. An entry
 * lives for the timeout printed on its last event, and the kernel reaps expired entries lazily, so
 * its DESTROY can come well after that ({@code reapSlack}); {@code maxAge} bounds the wait for
 * long-lived entries (ESTABLISHED prints 432000 s). Once every node that saw the connection has
 * destroyed its entry, the flow is finished and kept only {@code linger} for stragglers.
 */
public record FlowRetention(long lingerMicros, long reapSlackMicros, long maxAgeMicros) {

    public static FlowRetention of(Duration linger, Duration reapSlack, Duration maxAge) {
        return new FlowRetention(micros(linger), micros(reapSlack), micros(maxAge));
    }

    /** Event time at which the flow may be forgotten. */
    public long expiry(FlowState st) {
        long last = 0;
        long alive = 0;
        for (NodeView v : st.getViews()) {
            last = Math.max(last, v.getLastSeen());
            if (!v.getDestroyed()) {
                alive = Math.max(alive, v.getLastSeen() + Math.min(v.getTimeout() * 1_000_000 + reapSlackMicros, maxAgeMicros));
            }
        }
        return alive == 0 ? last + lingerMicros : Math.max(alive, last + lingerMicros);
    }

    public static boolean allDestroyed(FlowState st) {
        for (NodeView v : st.getViews()) {
            if (!v.getDestroyed()) {
                return false;
            }
        }
        return true;
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1000;
    }
}
