package io.ctflow.streams;

import io.ctflow.schemas.TopicCreation;
import io.ctflow.schemas.Topics;
import io.ctflow.streams.api.HttpApi;
import io.ctflow.streams.api.KafkaMetricsCollector;
import io.ctflow.streams.metrics.CtflowMetrics;
import io.ctflow.streams.metrics.LocalStores;
import io.ctflow.streams.metrics.MetricsText;
import io.ctflow.streams.outage.RegistryOutage;
import io.ctflow.streams.outage.StateDirs;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Lifecycle of the streams app: makes sure the topics exist, learns the events topic's partition
 * count, builds the topology with {@link CtflowTopology#build}, runs it and the HTTP API, and closes
 * both cleanly.
 */
public final class StreamsRunner implements AutoCloseable {
    private final AppConfig config;
    private volatile KafkaStreams streams;
    private CtflowMetrics metrics;
    private HttpApi api;
    private int partitions;
    private volatile String failure;
    private final java.util.concurrent.CountDownLatch failed = new java.util.concurrent.CountDownLatch(1);

    public StreamsRunner(AppConfig config) {
        this.config = config;
    }

    /** Starts the app; throws {@link StartupException} with one clear line when Kafka is unreachable. */
    public StreamsRunner start() {
        String unwritable = StateDirs.unwritable(StateDirs.of(config.kafka()));
        if (unwritable != null) {
            throw new StartupException(unwritable);
        }
        partitions = ensureTopics();
        checkRegistry();
        AppConfig cfg = config.withEventsPartitions(partitions);
        // ctflow's own series at /metrics; the ~2,500 Kafka client series only at /metrics/kafka
        PrometheusRegistry registry = new PrometheusRegistry();
        PrometheusRegistry kafkaRegistry = new PrometheusRegistry();
        metrics = new CtflowMetrics(LocalStores.of(() -> streams), Clock.systemUTC());
        registry.register(metrics);
        try {
            api = new HttpApi(cfg.httpHost(), cfg.httpPort(), () -> MetricsText.of(registry), () -> MetricsText.of(kafkaRegistry));
        } catch (IOException e) {
            String msg = "cannot serve the HTTP API on " + cfg.httpHost() + ":" + cfg.httpPort()
                    + " (" + e.getMessage() + "); pick another with --http-port";
            throw e instanceof java.net.BindException ? StartupException.usage(msg) : new StartupException(msg);
        }
        Properties props = new Properties();
        props.putAll(cfg.kafka());
        // the port actually bound (http.port 0 picks one): other instances forward queries to it
        props.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG, cfg.httpHost() + ":" + api.port());
        streams = new KafkaStreams(CtflowTopology.build(cfg, AppSerdes.create(cfg.kafka()), metrics), props);
        // a registry outage replaces the thread (records wait), anything else stops the app
        streams.setUncaughtExceptionHandler(e -> {
            var response = RegistryOutage.onStreamThreadFailure(e);
            if (response != org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD) {
                failure = StateDirs.describe(e, StateDirs.of(cfg.kafka()));
                failed.countDown();
            }
            return response;
        });
        kafkaRegistry.register(new KafkaMetricsCollector(streams::metrics));
        streams.start();
        api.start(streams);
        return this;
    }

    /** The domain metrics (tests: {@link CtflowMetrics#rescan}). */
    public CtflowMetrics metrics() {
        return metrics;
    }

    /** Waits until a stream thread fails for good (not a registry outage); returns its one-line description. */
    public String awaitFailure() throws InterruptedException {
        failed.await();
        return failure;
    }

    /** The failure that stopped the app, or null. */
    public String failure() {
        return failure;
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Partitions of the events topic (= flow and stats tasks). */
    public int partitions() {
        return partitions;
    }

    public int httpPort() {
        return api.port();
    }

    /** Fails at start, in one line, when the registry is unreachable, instead of on the first record. */
    private void checkRegistry() {
        try {
            io.ctflow.schemas.registry.SchemaRegistryClient.create(config.kafka()).getSubjects();
        } catch (io.ctflow.schemas.registry.RegistryUnreachableException e) {
            throw new StartupException("cannot reach the schema registry at " + config.registryUrl()
                    + ": is it up? set --schema-registry-url");
        } catch (RuntimeException e) {
            throw new StartupException("schema registry at " + config.registryUrl() + " refused: " + e.getMessage());
        }
    }

    /** Creates missing topics; returns the events topic's partition count. */
    private int ensureTopics() {
        Map<String, Object> adminProps = new java.util.HashMap<>(config.kafka());
        adminProps.keySet().retainAll(AdminClientConfig.configNames());
        adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        String bootstrap = String.valueOf(config.kafka().get("bootstrap.servers"));
        try (Admin admin = Admin.create(adminProps)) {
            int brokers = admin.describeCluster().nodes().get(15, TimeUnit.SECONDS).size();
            short rf = TopicCreation.replication(brokers);
            int partitions = config.eventsPartitions() > 0 ? config.eventsPartitions() : Topics.DEFAULT_PARTITIONS;
            TopicCreation.createMissing(admin, config.topics().all(partitions, rf), Duration.ofSeconds(15));
            return io.ctflow.schemas.TopicPartitions.count(admin, config.topics().events(), java.time.Duration.ofSeconds(15));
        } catch (TimeoutException e) {
            throw new StartupException("cannot reach Kafka at " + bootstrap + " (no answer in 15 s): is the broker up? set --bootstrap-servers");
        } catch (TopicCreation.Refused e) {
            throw new StartupException("Kafka at " + bootstrap + " refused to create topic " + e.topic() + ": " + e.getCause().getMessage());
        } catch (ExecutionException e) {
            throw new StartupException("Kafka at " + bootstrap + " refused: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while connecting to Kafka");
        }
    }

    @Override
    public void close() {
        if (api != null) {
            api.close();
        }
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
        }
    }

    /** A startup problem the user can fix; the CLI prints its message alone. */
    /** Kafka, the registry or the state directory not as needed (exit 1); a taken HTTP port is a usage error (exit 2). */
    public static final class StartupException extends RuntimeException implements io.ctflow.config.ExitPolicy.Coded {
        private final int exitCode;

        public StartupException(String message) {
            this(message, io.ctflow.config.ExitPolicy.FAILURE);
        }

        private StartupException(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        /** Like the collector's taken metrics port: the user picks another. */
        static StartupException usage(String message) {
            return new StartupException(message, io.ctflow.config.ExitPolicy.USAGE);
        }

        @Override
        public int exitCode() {
            return exitCode;
        }
    }
}
