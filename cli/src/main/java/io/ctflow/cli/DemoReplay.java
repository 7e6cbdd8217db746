package io.ctflow.cli;

import io.ctflow.collector.capture.Capture;
import io.ctflow.streams.AppConfig;
import java.time.Instant;

/** Replays a capture into the embedded broker for the demo. */
final class DemoReplay {
    private DemoReplay() {}

    static Instant replay(Capture capture, String bootstrap, String registryUrl, AppConfig config) throws Exception {
        throw new UnsupportedOperationException("replay not wired yet");
    }
}
