package io.ctflow.cli.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.cli.Ctflow;
import io.ctflow.collector.replay.Speed;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.StreamsRunner;
import io.ctflow.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streams app (exactly_once_v2) is killed with SIGKILL in the middle of a simulated fleet's
 * stream and restarted on the same state directory: a read_committed consumer sees every anomaly
 * and Service-stats record exactly once, and they are the records of an uninterrupted run of the
 * same input (canonicalized: key and decoded value, in topic order per partition sorted).
 */
class StreamsKillIT {
    @Test
    @Timeout(420)
    void aKilledAndRestartedAppGivesTheUninterruptedRunsRecordsExactlyOnce(@TempDir Path tmp) throws Exception {
        Path capture = tmp.resolve("capture");
        assertEquals(0, Ctflow.run("simulate", "--nodes", "4", "--services", "12", "--rate", "600", "--duration", "20s",
                "--anomalies", "0.03", "--seed", "7", "--out", capture.toString()));
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            String bootstrap = kafka.bootstrapServers();
            // the uninterrupted run, in this JVM
            StreamsApps.replay(capture, bootstrap, registry.url(), "ref.", Speed.MAX);
            try (StreamsRunner ref = new StreamsRunner(AppConfig.of(Map.of("bootstrap.servers", bootstrap,
                    "schema.registry.url", registry.url(), "topic.prefix", "ref.", "application.id", "ref",
                    "state.dir", tmp.resolve("ref-state").toString(), "http.port", "0"))).start()) {
                StreamsApps.awaitDone(bootstrap, "ref", "ref.", Duration.ofSeconds(3), Duration.ofSeconds(180));
            }
            List<String> expected = StreamsApps.outputs(bootstrap, registry.url(), "ref.");
            assertTrue(expected.stream().anyMatch(l -> l.startsWith("anomalies ")), "the input has anomalies");
            assertTrue(expected.stream().anyMatch(l -> l.startsWith("service-stats ")), "the input has Service stats");
            assertEquals(expected.size(), new HashSet<>(expected).size(), "the uninterrupted run repeats a record");

            // the run that is killed: a child JVM, killed at its first commit of the pre-loaded input
            long events = StreamsApps.replay(capture, bootstrap, registry.url(), "killed.", Speed.MAX);
            String[] app = {"streams", "--bootstrap-servers", bootstrap, "--schema-registry-url", registry.url(),
                    "--application-id", "killed", "--state-dir", tmp.resolve("killed-state").toString(), "--http-port", "0",
                    "--set", "topic.prefix=killed."};
            ChildJvm first = ChildJvm.start(tmp.resolve("streams-1.log"), app);
            ChildJvm second = null;
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                long committed = Poll.value(Duration.ofSeconds(180), () -> {
                    long c = StreamsApps.committed(admin, "killed", "killed.events");
                    assertTrue(c > 0 || first.isAlive(), "the app ended before it committed:\n" + first.tail());
                    return c > 0 ? c : null;
                }, () -> "a commit of the app:\n" + first.tail());
                first.kill();
                long end = StreamsApps.endOffsets(admin, List.of("killed.events"));
                assertTrue(committed < end, "killed after " + committed + " of " + end + " input records: not mid-stream");
                second = ChildJvm.start(tmp.resolve("streams-2.log"), app);
                StreamsApps.awaitDone(bootstrap, "killed", "killed.", Duration.ofSeconds(3), Duration.ofSeconds(240));
                assertTrue(second.isAlive(), second.tail());
            } finally {
                first.close();
                if (second != null) {
                    second.close();
                }
            }
            assertTrue(events > 8_000, "input events: " + events);
            List<String> got = StreamsApps.outputs(bootstrap, registry.url(), "killed.");
            assertEquals(got.size(), new HashSet<>(got).size(), "a record seen twice after the kill");
            assertEquals(expected.stream().sorted().toList(), got.stream().sorted().toList());
        }
    }
}
