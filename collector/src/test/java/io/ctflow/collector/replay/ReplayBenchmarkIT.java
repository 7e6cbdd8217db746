package io.ctflow.collector.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.PublishThroughputTestLines;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.registry.RegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end at full speed: a synthetic capture replayed into the embedded broker through a real
 * KafkaProducer (zstd, acks=all, idempotent), flushed. Opt-in ({@code -Dctflow.bench=true}): it
 * measures, it does not test, and it loads both cores.
 */
class ReplayBenchmarkIT {
    @Test
    void replayThroughput(@TempDir Path tmp) throws Exception {
        assumeTrue(Boolean.getBoolean("ctflow.bench"), "benchmark: run with -Dctflow.bench=true");
        int n = Integer.getInteger("ctflow.bench.events", 500_000);
        Files.write(tmp.resolve("events-node1.txt"), PublishThroughputTestLines.lines(n));
        long t0 = System.nanoTime();
        Replayer.Result dry = Replayer.replay(Capture.open(tmp), io.ctflow.collector.publish.Sink.DISCARD, Replayer.Options.defaults());
        double dsecs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "ReplayBenchmarkIT: read+parse only (no Kafka): %d events in %.2f s = %.0f events/s%n",
                dry.events(), dsecs, dry.events() / dsecs);
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            CollectorConfig config = CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                    "schema.registry.url", registry.url(), "topic.replication.factor", "1",
                    "compression.type", System.getProperty("ctflow.bench.compression", "zstd")));
            try (Publisher p = config.connect(new CollectorMetrics())) {
                long start = System.nanoTime();
                Replayer.Result r = Replayer.replay(Capture.open(tmp), p, Replayer.Options.defaults());
                double secs = (System.nanoTime() - start) / 1e9;
                assertEquals(n, r.events());
                assertEquals(0, p.sendErrors());
                System.out.printf(Locale.ROOT, "ReplayBenchmarkIT: %d events read, parsed, published and acknowledged in %.2f s = %.0f events/s%n",
                        n, secs, n / secs);
            }
        }
    }
}
