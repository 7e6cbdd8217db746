package io.ctflow.streams;

import io.ctflow.avro.internal.FlowUpdate;
import io.ctflow.avro.internal.UpdateKind;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.processor.StreamPartitioner;

/** Service updates go by Service id (default hashing); a TICK goes to every partition so every stats task sees every watermark. */
final class TickBroadcastPartitioner implements StreamPartitioner<String, FlowUpdate> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, FlowUpdate value, int numPartitions) {
        if (value != null && value.getKind() == UpdateKind.TICK) {
            return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
        }
        return Optional.empty(); // default: murmur2 of the serialized key
    }
}
