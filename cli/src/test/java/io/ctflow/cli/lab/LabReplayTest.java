package io.ctflow.cli.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.cli.ConsoleText;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The replay step of {@code ctflow lab} (no root needed): its lines name {@code ctflow lab}, never {@code ctflow demo}. */
class LabReplayTest {
    @Test
    void theReplayOfARecordedCaptureSpeaksAsCtflowLab() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = LabCommand.replay(Path.of("../testdata/captures/bridge-off"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        assertEquals("""
                ctflow lab: starting embedded Kafka on 0 and the schema registry on 0 ...
                ctflow lab: streams app up, HTTP API on http://127.0.0.1:PORT; replaying bridge-off (node1, node2)
                ctflow lab: replayed 34 events, 0 dead letters, 2 facts, 4 services, 4 stats, HEARTBEATS in S s (R events/s)

                ctflow lab: results complete: 3 anomalies, 9 Service-stats records
                """, ConsoleText.normalized(err));
    }
}
