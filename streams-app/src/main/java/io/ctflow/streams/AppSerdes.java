package io.ctflow.streams;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.ServiceStats;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.FlowUpdate;
import io.ctflow.avro.internal.ServiceAgg;
import io.ctflow.flow.FlowKeySerde;
import io.ctflow.schemas.serde.AvroSerde;
import io.ctflow.schemas.serde.AvroSerdes;
import io.ctflow.streams.input.ConntrackEventDeserializer;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The serdes of every topic and store: registry-backed Confluent wire format for the topics others
 * read, plain Avro for the app's internal state.
 */
public record AppSerdes(
        FlowKeySerde flowKey,
        Serde<ConntrackEvent> events,
        Serde<NodeFacts> nodeFacts,
        Serde<NodeStats> nodeStats,
        Serde<ServiceEntry> services,
        Serde<NatAnomaly> anomalies,
        Serde<ServiceStats> serviceStats,
        Serde<FlowState> flowState,
        Serde<FlowUpdate> flowUpdate,
        Serde<ServiceAgg> serviceAgg) {

    /** From the Kafka/registry settings ({@code schema.registry.url}, {@code basic.auth.*}, ...). */
    public static AppSerdes create(Map<String, Object> kafka) {
        return new AppSerdes(new FlowKeySerde(),
                events(kafka), value(NodeFacts.class, kafka), value(NodeStats.class, kafka),
                value(ServiceEntry.class, kafka), value(NatAnomaly.class, kafka), value(ServiceStats.class, kafka),
                new io.ctflow.streams.flow.FlowStateSerde(), new InternalAvroSerde<>(FlowUpdate.class),
                new InternalAvroSerde<>(ServiceAgg.class));
    }

    /** The input's events: written as any value, read by the hand-written decoder where the writer's schema allows. */
    private static Serde<ConntrackEvent> events(Map<String, Object> kafka) {
        AvroSerde<ConntrackEvent> avro = AvroSerdes.specific(ConntrackEvent.class, kafka, false);
        return Serdes.serdeFrom(avro.serializer(), new ConntrackEventDeserializer(avro.deserializer()));
    }

    private static <T extends SpecificRecord> Serde<T> value(Class<T> cls, Map<String, Object> kafka) {
        return AvroSerdes.specific(cls, kafka, false);
    }
}
