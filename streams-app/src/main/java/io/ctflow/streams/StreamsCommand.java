package io.ctflow.streams;

import io.ctflow.config.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ctflow streams}: runs the streams app until SIGTERM / Ctrl-C. */
@Command(name = "streams", mixinStandardHelpOptions = true,
        description = {"Run the Kafka Streams app: joins every node's view of each connection, emits incomplete-NAT",
                "anomalies and per-Service stats, and serves them over HTTP.",
                "Settings: defaults, then --config FILE, then CTFLOW_* variables (CTFLOW_REPLY_TIMEOUT_TCP=5s),",
                "then flags. Any Kafka Streams / client / registry property passes through (--set ssl.truststore.location=...)."})
public final class StreamsCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "Properties file.")
    Path config;
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers (default 127.0.0.1:9092).")
    String bootstrap;
    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Schema registry (default http://127.0.0.1:8081).")
    String registry;
    @Option(names = "--application-id", description = "Kafka Streams application.id (default ctflow-streams).")
    String applicationId;
    @Option(names = "--http-host", description = "HTTP API address (default 127.0.0.1).")
    String httpHost;
    @Option(names = "--http-port", description = "HTTP API port (default 7070).")
    Integer httpPort;
    @Option(names = "--state-dir", paramLabel = "DIR", description = "Kafka Streams state directory.")
    Path stateDir;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any setting (ours or Kafka's), repeatable.")
    Map<String, String> set = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        AppConfig cfg = AppConfig.load(config, System.getenv(), flags());
        StreamsRunner runner = new StreamsRunner(cfg).start();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runner.close();
            done.countDown();
        }, "ctflow-shutdown"));
        // a stream thread that fails for good (a state store on a full disk, a bug) ends the process with one line
        Thread watcher = new Thread(() -> {
            try {
                runner.awaitFailure();
                done.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ctflow-failure-watch");
        watcher.setDaemon(true);
        watcher.start();
        System.err.println("ctflow streams: running; HTTP API on http://" + cfg.httpHost() + ":" + runner.httpPort() + " (Ctrl-C to stop)");
        done.await();
        if (runner.failure() != null) {
            System.err.println("ctflow streams: stopped: " + runner.failure());
            return 1;
        }
        return 0;
    }

    Map<String, String> flags() {
        Map<String, String> f = new HashMap<>(set);
        put(f, "bootstrap.servers", bootstrap);
        put(f, "schema.registry.url", registry);
        put(f, "application.id", applicationId);
        put(f, "http.host", httpHost);
        put(f, "http.port", httpPort == null ? null : httpPort.toString());
        put(f, "state.dir", stateDir == null ? null : stateDir.toString());
        return f;
    }

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    /** Keeps the type visible to callers that map user mistakes to one-line errors. */
    public static boolean isUserError(Throwable t) {
        return t instanceof Settings.ConfigException || t instanceof StreamsRunner.StartupException;
    }
}
