package io.ctflow.collector.publish;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.schemas.serde.AvroSerdes;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;

/** The value serializers of the collector's topics. */
public record ValueSerializers(
        Serializer<ConntrackEvent> events,
        Serializer<NodeFacts> facts,
        Serializer<NodeStats> stats,
        Serializer<ServiceEntry> services,
        Serializer<DeadLetter> deadLetters) {

    /**
     * Confluent-wire-format Avro with the schema registry of {@code config}
     * ({@code schema.registry.url}, {@code basic.auth.*}, ...). Each serializer registers its schema
     * once and caches the id. Events are written by {@link EventWireSerializer} (same bytes, less work).
     */
    public static ValueSerializers avro(Map<String, ?> config) {
        return new ValueSerializers(
                EventWireSerializer.wrap(AvroSerdes.specific(ConntrackEvent.class, config, false).serializer(), config),
                AvroSerdes.specific(NodeFacts.class, config, false).serializer(),
                AvroSerdes.specific(NodeStats.class, config, false).serializer(),
                AvroSerdes.specific(ServiceEntry.class, config, false).serializer(),
                AvroSerdes.specific(DeadLetter.class, config, false).serializer());
    }
}
