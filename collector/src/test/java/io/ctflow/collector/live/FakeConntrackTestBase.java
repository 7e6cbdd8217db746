package io.ctflow.collector.live;

import io.ctflow.avro.EventType;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.testing.FakeConntrack;
import io.ctflow.collector.testing.RecordingSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests of the live collector against a fake conntrack share: a pool to run it on, its
 * metrics and sink, and the options of node {@code n1} (heartbeat as the test needs).
 */
abstract class FakeConntrackTestBase {
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    final ExecutorService pool = Executors.newCachedThreadPool();
    final CollectorMetrics metrics = new CollectorMetrics();
    final RecordingSink sink = new RecordingSink(3);
    private final Duration heartbeat;

    FakeConntrackTestBase(Duration heartbeat) {
        this.heartbeat = heartbeat;
    }

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
    }

    LiveOptions options(FakeConntrack fake) {
        return new LiveOptions().node("n1").conntrack(fake.path()).waitForSubscription(false)
                .restartBackoff(Duration.ofMillis(100), Duration.ofMillis(400)).heartbeat(heartbeat)
                .statsInterval(Duration.ofHours(1)).factsInterval(Duration.ofHours(1));
    }

    long count(EventType type) {
        return sink.events(e -> e.getType() == type).size();
    }
}
