package io.ctflow.streams.node;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.flow.FlowKey;
import io.ctflow.streams.StoreNames;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Remembers the event time of each node's latest heartbeat (store {@code node-heartbeats}), for the
 * API's node view. Every collector sends one to every events partition each second, so each flow
 * task knows every node; only HEARTBEAT records touch the store.
 */
public final class NodeHeartbeats implements Processor<FlowKey, ConntrackEvent, Void, Void> {
    private KeyValueStore<String, Long> last;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        last = context.getStateStore(StoreNames.NODE_HEARTBEATS);
    }

    @Override
    public void process(Record<FlowKey, ConntrackEvent> record) {
        ConntrackEvent e = record.value();
        if (e == null || e.getType() != EventType.HEARTBEAT) {
            return;
        }
        long ts = e.getTimestamp().getEpochSecond() * 1_000_000 + e.getTimestamp().getNano() / 1000;
        Long prev = last.get(e.getNode());
        if (prev == null || prev < ts) {
            last.put(e.getNode(), ts);
        }
    }
}
