package io.ctflow.streams.flow;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.FlowUpdate;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.avro.internal.UpdateKind;
import io.ctflow.flow.FlowKey;
import io.ctflow.net.Addresses;
import io.ctflow.streams.stats.ConnectionChange;
import io.ctflow.streams.stats.ServicePartial;
import io.ctflow.streams.stats.ServicePartialSerde;
import java.nio.ByteBuffer;

/** The connection-level changes the flow join counts for the per-Service stats, and the messages it sends them. */
final class ServiceUpdates {
    private static final ServicePartialSerde PARTIALS = new ServicePartialSerde();

    private ServiceUpdates() {}

    static ConnectionChange of(ConnectionChange.Kind kind, long time, FlowState st) {
        return new ConnectionChange(kind, time, st.getServiceAddress());
    }

    /** A connection the stats start to follow: {@code fresh} when it began now (not adopted from a snapshot). */
    static ConnectionChange opened(FlowKey key, FlowState st, NodeView v, long time, boolean fresh) {
        return of(ConnectionChange.Kind.NEW, time, st)
                .fresh(fresh)
                .client(ByteBuffer.wrap(Addresses.bytes(v.getOrigSrc())))
                .backend(Addresses.withPort(key.replySrc(), key.replySrcPort()))
                .toState(FlowViews.stateName(v.getState()));
    }

    static ConnectionChange ended(FlowState st, long time) {
        NodeView p = st.getPrimary() == null ? null : FlowViews.find(st, st.getPrimary());
        return of(ConnectionChange.Kind.END, time, st).fromState(FlowViews.stateName(p == null ? null : p.getState()));
    }

    /** A Service window closed on this partition's watermark: its counts, for the stats task to merge. */
    static FlowUpdate partial(ServicePartial p, int partition) {
        return FlowUpdate.newBuilder().setKind(UpdateKind.PARTIAL).setTime(p.start()).setSource(partition)
                .setPartial(ByteBuffer.wrap(PARTIALS.encode(p))).build();
    }

    static FlowUpdate tick(long watermark, int partition) {
        return FlowUpdate.newBuilder().setKind(UpdateKind.TICK).setTime(watermark).setSource(partition).build();
    }
}
