package io.ctflow.cli;

import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.replay.Replayer;
import io.ctflow.streams.AppConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Replays a capture into the embedded broker for the demo, with the collector's own replay. */
final class DemoReplay {
    private DemoReplay() {}

    /** What a replay published ({@link Replayer.Result#summary}) and the capture's last event time. */
    record Replayed(String summary, Instant end) {}

    /** Publishes the capture. */
    static Replayed replay(Capture capture, String bootstrap, String registryUrl, AppConfig app) throws Exception {
        CollectorConfig cfg = CollectorConfig.of(Map.of("bootstrap.servers", bootstrap, "schema.registry.url", registryUrl,
                "topic.prefix", app.topics().prefix()));
        Duration settle = app.settleTime().compareTo(Replayer.Options.DEFAULT_SETTLE) > 0 ? app.settleTime() : Replayer.Options.DEFAULT_SETTLE;
        try (Publisher publisher = cfg.connect(new CollectorMetrics())) {
            Replayer.Result r = Replayer.replay(capture, publisher, Replayer.Options.defaults().withSettle(settle));
            return new Replayed(r.summary(), capture.end());
        }
    }
}
