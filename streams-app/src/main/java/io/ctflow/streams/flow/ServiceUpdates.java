package io.ctflow.streams.flow;

import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.FlowUpdate;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.avro.internal.UpdateKind;
import io.ctflow.flow.FlowKey;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;

/** The connection-level changes the flow join tells the per-Service stats (one {@link FlowUpdate} per change). */
final class ServiceUpdates {
    private ServiceUpdates() {}

    static FlowUpdate of(UpdateKind kind, long time, FlowState st) {
        return FlowUpdate.newBuilder().setKind(kind).setTime(time)
                .setServiceAddress(st.getServiceAddress() == null ? "" : st.getServiceAddress()).build();
    }

    /** A connection the stats start to follow: {@code fresh} when it began now (not adopted from a snapshot). */
    static FlowUpdate opened(FlowKey key, FlowState st, NodeView v, long time, boolean fresh) {
        FlowUpdate u = of(UpdateKind.NEW, time, st);
        u.setFresh(fresh);
        u.setClient(ByteBuffer.wrap(Addresses.bytes(v.getOrigSrc())));
        u.setBackend(Addresses.withPort(key.replySrc(), key.replySrcPort()));
        u.setToState(FlowViews.stateName(v.getState()));
        return u;
    }

    static FlowUpdate ended(FlowState st, long time) {
        NodeView p = st.getPrimary() == null ? null : FlowViews.find(st, st.getPrimary());
        FlowUpdate u = of(UpdateKind.END, time, st);
        u.setFromState(FlowViews.stateName(p == null ? null : p.getState()));
        return u;
    }

    static FlowUpdate tick(long watermark, int partition) {
        return FlowUpdate.newBuilder().setKind(UpdateKind.TICK).setTime(watermark).setSource(partition).build();
    }
}
