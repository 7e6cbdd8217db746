package io.ctflow.cli.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.cli.CtflowTestAccess;
import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.replay.Replayer;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.StoreNames;
import io.ctflow.streams.StreamsRunner;
import io.ctflow.testing.Captures;
import io.ctflow.testing.Poll;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The schema registry down at start (one clear line after retries with backoff; or, when it comes
 * up during them, a normal start) and in the middle of the stream (the streams app's records wait:
 * nothing goes to the dead-letter topic, nothing is written without a schema id, nothing is lost).
 */
class RegistryOutageIT {
    static EmbeddedKafka kafka;

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.builder().port(0).build().start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    record Run(int exit, String err) {}

    static Run ctflow(String... args) {
        CommandLine cl = CtflowTestAccess.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return new Run(cl.execute(args), err.toString());
    }

    @Test
    @Timeout(120)
    void aRegistryDownAtStartIsOneLineAfterRetriesWithBackoff() throws Exception {
        String url = "http://127.0.0.1:" + ChildJvm.freePort();
        long t0 = System.nanoTime();
        Run replay = ctflow("replay", Captures.scenario("bridge-off").toString(), "--bootstrap-servers", kafka.bootstrapServers(),
                "--schema-registry-url", url, "--topic-prefix", "down.");
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(1, replay.exit(), replay.err());
        assertEquals(1, replay.err().lines().count(), replay.err());
        assertTrue(replay.err().startsWith("ctflow replay: schema registry unreachable at " + url + " (POST /subjects/down.events-value/versions, 4 attempts): "),
                replay.err());
        assertTrue(tookMs >= 700, "3 retries backing off 100, 200 and 400 ms took " + tookMs + " ms");

        Run streams = ctflow("streams", "--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", url,
                "--http-port", "0", "--set", "topic.prefix=down.");
        assertEquals(1, streams.exit(), streams.err());
        assertEquals("ctflow streams: cannot reach the schema registry at " + url + ": is it up? set --schema-registry-url", streams.err().strip());
    }

    @Test
    @Timeout(120)
    void aRegistryThatComesUpDuringTheRetriesIsUsed(@TempDir Path tmp) throws Exception {
        int port = ChildJvm.freePort();
        CompletableFuture<RegistryServer> late = CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(1500); // not a wait for a result: the registry comes up late, during the client's retries
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return RegistryServer.start("127.0.0.1", port, tmp.resolve("registry"));
        });
        try {
            Run replay = ctflow("replay", Captures.scenario("bridge-off").toString(), "--bootstrap-servers", kafka.bootstrapServers(),
                    "--schema-registry-url", "http://127.0.0.1:" + port, "--topic-prefix", "late.", "--set", "ctflow.registry.retries=8");
            assertEquals(0, replay.exit(), replay.err());
        } finally {
            late.get(30, TimeUnit.SECONDS).close();
        }
    }

    static Set<String> threadNames(StreamsRunner app) {
        return app.streams().metadataForLocalThreads().stream().map(t -> t.threadName()).collect(java.util.stream.Collectors.toSet());
    }

    static long entries(StreamsRunner app, String store) {
        try {
            return app.streams().store(StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.<String, Object>keyValueStore()))
                    .approximateNumEntries();
        } catch (InvalidStateStoreException notYet) {
            return 0;
        }
    }

    @Test
    @Timeout(240)
    void inTheMiddleOfTheStreamRecordsWaitForTheRegistryAndNoneIsLost(@TempDir Path tmp) throws Exception {
        int port = ChildJvm.freePort();
        String url = "http://127.0.0.1:" + port;
        Path journal = tmp.resolve("registry");
        RegistryServer registry = RegistryServer.start("127.0.0.1", port, journal);
        String bootstrap = kafka.bootstrapServers();
        AppConfig config = AppConfig.of(Map.of("bootstrap.servers", bootstrap, "schema.registry.url", url, "topic.prefix", "mid.",
                "application.id", "mid", "state.dir", tmp.resolve("state").toString(), "http.port", "0"));
        try (StreamsRunner app = new StreamsRunner(config).start();
             Publisher publisher = CollectorConfig.of(Map.of("bootstrap.servers", bootstrap, "schema.registry.url", url,
                     "topic.prefix", "mid.")).connect(new CollectorMetrics())) {
            // facts and Services first, so the global stores have theirs; then the registry goes away and the events come:
            // the collector has its schema ids, the stream threads have none yet
            Capture capture = Capture.open(Captures.scenario("bridge-off"));
            capture.facts().forEach(publisher::facts);
            publisher.services("capture " + capture.dir().toAbsolutePath(), capture.services(), java.time.Instant.EPOCH);
            publisher.flush();
            Poll.until(Duration.ofSeconds(60), () -> entries(app, StoreNames.SERVICES_GLOBAL) > 0 && entries(app, StoreNames.NODE_FACTS_GLOBAL) > 0,
                    "the global stores get the facts and Services");
            Poll.until(Duration.ofSeconds(90), () -> app.streams().state() == KafkaStreams.State.RUNNING
                    && app.streams().metadataForLocalThreads().stream().anyMatch(t -> !t.activeTasks().isEmpty()),
                    "the app has an active task");
            Set<String> threads = threadNames(app);
            registry.close();
            Replayer.replay(capture, publisher, Replayer.Options.defaults());
            publisher.flush();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                long end = StreamsApps.endOffsets(admin, List.of("mid.events"));
                // the stream thread that needed the registry is replaced, and tries again; meanwhile nothing is
                // committed, dead-lettered or written, and the app still runs
                Poll.until(Duration.ofSeconds(60), () -> !threads.containsAll(threadNames(app)),
                        () -> "a stream thread replaced while the registry was down: " + threads);
                assertEquals(0, StreamsApps.committed(admin, "mid", "mid.events"), "input committed while the registry was down");
                assertEquals(0, StreamsApps.endOffsets(admin, List.of("mid.streams-dlq")), "dead letters while the registry was down");
                assertEquals(List.of(), StreamsApps.outputs(bootstrap, "http://127.0.0.1:1", "mid."));
                KafkaStreams.State state = app.streams().state();
                assertTrue(state.isRunningOrRebalancing(), "the app stopped: " + state);
                assertTrue(end > 0);
            }
            registry = RegistryServer.start("127.0.0.1", port, journal);
            StreamsApps.awaitDone(bootstrap, "mid", "mid.", Duration.ofSeconds(3), Duration.ofSeconds(120));
            List<String> got = StreamsApps.outputs(bootstrap, url, "mid.");
            assertEquals(got.size(), new HashSet<>(got).size(), "a record seen twice: " + got);
            // what the demo finds in this capture: 3 anomalies, 9 Service-stats records
            assertEquals(3, got.stream().filter(l -> l.startsWith("anomalies ")).count(), got.toString());
            assertEquals(9, got.stream().filter(l -> l.startsWith("service-stats ")).count(), got.toString());
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                assertEquals(0, StreamsApps.endOffsets(admin, List.of("mid.streams-dlq")), "dead letters");
            }
        } finally {
            registry.close();
        }
    }
}
