package io.ctflow.cli.bench;

import io.ctflow.streams.AppConfig;
import io.ctflow.streams.AppSerdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The streams baseline: what Kafka Streams costs with no state at all. It reads the events topic
 * with the app's serdes (Avro decode) and writes every record to {@link #output} with the same
 * serdes (Avro encode), under the same processing guarantee as the app.
 */
final class PassThroughTopology {
    private PassThroughTopology() {}

    static String output(AppConfig config) {
        return config.topics().prefix() + "bench-passthrough";
    }

    static Topology build(AppConfig config, AppSerdes serdes) {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(config.topics().events(), Consumed.with(serdes.flowKey(), serdes.events()))
                .to(output(config), Produced.with(serdes.flowKey(), serdes.events()));
        return b.build();
    }
}
