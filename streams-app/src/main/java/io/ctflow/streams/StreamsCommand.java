package io.ctflow.streams;

import io.ctflow.config.ClientOptions;
import io.ctflow.config.ConfigOptions;
import io.ctflow.config.ConfigSchema;
import io.ctflow.config.ConfigSources;
import io.ctflow.config.SchemaHelp;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ctflow streams}: runs the streams app until SIGTERM / Ctrl-C. */
@Command(name = "streams", mixinStandardHelpOptions = true, resourceBundle = "io.ctflow.streams.StreamsCommand$Help",
        description = {"Run the Kafka Streams app: joins every node's view of each connection, emits incomplete-NAT",
                "anomalies and per-Service stats, and serves them over HTTP.",
                "Settings (--help-config lists them): defaults, then --config FILE, then CTFLOW_* variables",
                "(CTFLOW_REPLY_TIMEOUT_TCP=5s), then flags, then --set. Any Kafka Streams / client / registry property",
                "passes through (--set ssl.truststore.location=...)."})
public final class StreamsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ConfigOptions configOptions;
    @Mixin
    ClientOptions clientOptions;
    @Option(names = "--application-id", paramLabel = "ID", descriptionKey = AppConfig.APPLICATION_ID)
    String applicationId;
    @Option(names = "--http-host", paramLabel = "ADDRESS", descriptionKey = AppConfig.HTTP_HOST)
    String httpHost;
    @Option(names = "--http-port", paramLabel = "PORT", descriptionKey = AppConfig.HTTP_PORT)
    String httpPort;
    @Option(names = "--state-dir", paramLabel = "DIR", descriptionKey = AppConfig.STATE_DIR)
    String stateDir;

    /** Option descriptions from {@link AppConfig#SCHEMA}. */
    public static final class Help extends SchemaHelp {
        @Override
        protected ConfigSchema schema() {
            return AppConfig.SCHEMA;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (configOptions.printedHelp(AppConfig.SCHEMA, spec.commandLine().getOut())) {
            return 0;
        }
        AppConfig cfg = AppConfig.load(sources(System.getenv()));
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

    /** The layers, with this command line's flags and --set. */
    ConfigSources sources(Map<String, String> env) {
        return configOptions.sources(spec, AppConfig.SCHEMA, env);
    }
}
