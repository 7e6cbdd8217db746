package io.ctflow.cli;

import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.StreamsRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The embedded default in one process: a real KRaft broker, the registry, the topics, the streams
 * app and a consumer of its results. Used by {@code demo} and {@code up}; closed in reverse order.
 */
public final class EmbeddedStack implements AutoCloseable {
    final EmbeddedKafka kafka;
    final RegistryServer registry;
    final AppConfig config;
    final StreamsRunner app;
    final KafkaConsumer<String, Object> results;
    private final Path stateDir;

    private EmbeddedStack(EmbeddedKafka kafka, RegistryServer registry, AppConfig config, StreamsRunner app,
                          KafkaConsumer<String, Object> results, Path stateDir) {
        this.kafka = kafka;
        this.registry = registry;
        this.config = config;
        this.app = app;
        this.results = results;
        this.stateDir = stateDir;
    }

    static EmbeddedStack start(String applicationId, int kafkaPort, int registryPort, int httpPort) throws IOException {
        Path stateDir = Files.createTempDirectory("ctflow-" + applicationId + "-state");
        EmbeddedKafka kafka = null;
        RegistryServer registry = null;
        StreamsRunner app = null;
        try {
            kafka = EmbeddedKafka.builder().port(kafkaPort).longRunning().build().start();
            registry = RegistryServer.start("127.0.0.1", registryPort);
            Map<String, String> settings = new HashMap<>();
            settings.put("bootstrap.servers", kafka.bootstrapServers());
            settings.put("schema.registry.url", registry.url());
            settings.put("application.id", applicationId);
            settings.put("state.dir", stateDir.toString());
            settings.put("http.port", Integer.toString(httpPort));
            AppConfig config = AppConfig.of(settings);
            kafka.createTopics(config.topics().all(3, (short) 1));
            app = new StreamsRunner(config).start();
            KafkaConsumer<String, Object> results = ResultsView.consumer(kafka.bootstrapServers(), config);
            results.subscribe(List.of(config.topics().anomalies(), config.topics().serviceStats()));
            return new EmbeddedStack(kafka, registry, config, app, results, stateDir);
        } catch (RuntimeException e) {
            closeAll(null, app, registry, kafka, stateDir);
            throw e;
        }
    }

    @Override
    public void close() {
        closeAll(results, app, registry, kafka, stateDir);
    }

    private static void closeAll(KafkaConsumer<?, ?> results, StreamsRunner app, RegistryServer registry, EmbeddedKafka kafka, Path dir) {
        if (results != null) {
            results.close();
        }
        if (app != null) {
            app.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        deleteTree(dir);
    }

    /** Deletes a temporary directory tree, best effort. */
    public static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(s.toList());
            Collections.reverse(all);
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException ignored) {
            // a temp dir: nothing to do if it is already gone
        }
    }
}
