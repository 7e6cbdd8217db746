package io.ctflow.embedded;

import io.ctflow.config.UsageException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.storage.internals.log.CleanerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker (KRaft, combined {@code broker,controller} roles) running
 * inside the current JVM, built from Kafka's own server classes.
 *
 * <p>Lifecycle: {@link #builder()} &rarr; {@link Builder#build()} &rarr; {@link #start()} &rarr;
 * {@link #close()}. {@code start()} formats the storage directory if needed (the same way
 * {@code kafka-storage.sh format} does), starts {@link KafkaRaftServer} and returns only once an
 * Admin client sees the broker as registered and unfenced, i.e. clients can produce and consume.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start()) {
 *     kafka.createTopics(List.of(new NewTopic("flows", 3, (short) 1)));
 *     String bootstrap = kafka.bootstrapServers();
 *     ...
 * }
 * }</pre>
 *
 * <p>The controller quorum is a static single voter ({@code controller.quorum.voters}) bound to
 * 127.0.0.1 only. Because the voter set is taken from configuration on every start (rather than
 * persisted in the metadata log as with a KIP-853 dynamic quorum), a kept data directory can be
 * restarted with a different controller port.
 *
 * <p>Data directory layout: {@code <dataDir>/metadata} is the KRaft metadata log
 * ({@code metadata.log.dir}) and {@code <dataDir>/logs} holds the topic partitions ({@code log.dirs}).
 * A directory is formatted only when it is empty; one that already holds
 * {@code metadata/meta.properties} is reused as is (same cluster id, same data). Both sub-directories
 * carry Kafka's {@code .lock}, so a second broker on the same directory is refused with a clear error.
 *
 * <p>Kafka terminates its process on fatal controller faults. While this class starts or stops the
 * broker, that is turned into an exception instead (see {@link KafkaExitGuard}), so a failed start never
 * takes the embedding application down.
 *
 * <p>With {@link Builder#saslPlain} the listeners speak SASL_PLAINTEXT and Kafka's
 * {@code StandardAuthorizer} checks ACLs (see {@link SaslPlainSecurity}).
 *
 * <p>Instances are thread-safe; all lifecycle methods are synchronized. The parts: {@link KafkaDataDir}
 * (storage), {@link BrokerConfig} (the configuration), {@link StartupFailure} (why a start failed),
 * {@link AdminWaits} (readiness and topics), {@link Ports}.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    /** Default client listener port. */
    public static final int DEFAULT_PORT = 9092;
    /** Default node id of the single broker/controller. */
    public static final int DEFAULT_NODE_ID = 1;
    /** Default host the client listener binds to and advertises. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Default upper bound on {@link #start()}. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);
    /** The log cleaner's offset map of a {@link Builder#longRunning()} broker: Kafka's default. */
    public static final long LONG_RUNNING_CLEANER_MAP_BYTES = 128L << 20;

    private static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(30);
    private static final int AUTO_PORT_ATTEMPTS = 3;

    private enum State { NEW, STARTED, CLOSED }

    private final int requestedPort;
    private final int requestedControllerPort;
    private final String host;
    private final int nodeId;
    private final Path dataDir;           // null = fresh temp dir, deleted on close
    private final Map<String, String> extraProperties;
    private final Duration startupTimeout;
    private final SaslPlainSecurity security;

    private State state = State.NEW;
    private KafkaDataDir dir;
    private int port = -1;
    private int controllerPort = -1;
    private KafkaRaftServer server;
    private Admin admin;

    private EmbeddedKafka(Builder b) {
        this.requestedPort = b.port;
        this.requestedControllerPort = b.controllerPort;
        this.host = b.host;
        this.nodeId = b.nodeId;
        this.dataDir = b.dataDir;
        this.extraProperties = Map.copyOf(b.extraProperties);
        this.startupTimeout = b.startupTimeout;
        this.security = b.security;
    }

    /** A new builder with all defaults (port 9092, ephemeral controller port, temp data dir, 127.0.0.1). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats storage if needed, starts the broker and blocks until clients can use it.
     *
     * @return this instance, for chaining
     * @throws IllegalStateException if already started/closed, a port is in use, the data directory
     *                               is unusable, or the broker does not become ready in time
     */
    public synchronized EmbeddedKafka start() {
        if (state == State.STARTED) {
            throw new IllegalStateException("embedded Kafka is already started at " + bootstrapServers());
        }
        if (state == State.CLOSED) {
            throw new IllegalStateException("embedded Kafka was closed; create a new instance to start again");
        }
        long startNanos = System.nanoTime();
        Deadline deadline = Deadline.in(startupTimeout);
        try {
            dir = KafkaDataDir.open(dataDir, nodeId);
            startServerWithPortRetries(deadline);
            Map<String, Object> props = clientPropertiesUnchecked();
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "ctflow-embedded-kafka-admin");
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
            props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
            props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
            props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
            admin = Admin.create(props);
            AdminWaits.awaitRegistered(admin, nodeId, address(), deadline, startupTimeout.toMillis());
        } catch (RuntimeException | Error e) {
            stopQuietly();
            deleteOwnedDataDir();
            throw e;
        }
        state = State.STARTED;
        LOG.info("Embedded Kafka {} (cluster {}, data {}) ready in {} ms", bootstrapServers(), dir.clusterId(),
                dir.path(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        return this;
    }

    /**
     * Shuts the broker down cleanly (controlled shutdown + await) and deletes the data directory if it
     * was a temporary one. Idempotent; safe to call on an instance that was never started.
     */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        try {
            stopQuietly();
        } finally {
            deleteOwnedDataDir();
        }
    }

    /** True between a successful {@link #start()} and {@link #close()}. */
    public synchronized boolean isRunning() {
        return state == State.STARTED;
    }

    /** The client bootstrap string, e.g. {@code "127.0.0.1:9092"}. Only valid once started. */
    public synchronized String bootstrapServers() {
        requireStarted();
        return address();
    }

    /**
     * What a client needs to reach the broker: {@code bootstrap.servers} and, with
     * {@link Builder#saslPlain}, the super user's SASL login. Only valid once started.
     */
    public synchronized Map<String, Object> clientProperties() {
        requireStarted();
        return clientPropertiesUnchecked();
    }

    private Map<String, Object> clientPropertiesUnchecked() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, address());
        if (security != null) {
            p.putAll(SaslPlainSecurity.clientProperties(security.adminUser(), security.adminPassword()));
        }
        return p;
    }

    /** The actual client listener port (resolved if 0 was requested). Only valid once started. */
    public synchronized int port() {
        requireStarted();
        return port;
    }

    /** The actual controller listener port (bound on 127.0.0.1). Only valid once started. */
    public synchronized int controllerPort() {
        requireStarted();
        return controllerPort;
    }

    /** The data directory in use (the temp dir if none was configured). Only valid once started. */
    public synchronized Path dataDirectory() {
        requireStarted();
        return dir.path();
    }

    /** The KRaft cluster id stored in the data directory. Only valid once started. */
    public synchronized String clusterId() {
        requireStarted();
        return dir.clusterId();
    }

    /** Varargs form of {@link #createTopics(Collection)}. */
    public void createTopics(NewTopic... topics) {
        createTopics(List.of(topics));
    }

    /**
     * Creates the given topics and waits until every partition's leader serves it. Topics that already
     * exist are left untouched (their partition count and configs are not changed).
     *
     * @throws IllegalStateException if creation fails for another reason or does not complete in time
     */
    public void createTopics(Collection<NewTopic> topics) {
        Objects.requireNonNull(topics, "topics");
        if (topics.isEmpty()) {
            return;
        }
        Admin a;
        synchronized (this) {
            requireStarted();
            a = admin;
        }
        AdminWaits.createTopics(a, topics, Deadline.in(DEFAULT_OPERATION_TIMEOUT));
    }

    private void deleteOwnedDataDir() {
        if (dir != null) {
            dir.deleteIfOwned();
        }
    }

    private void startServerWithPortRetries(Deadline deadline) {
        boolean autoPort = requestedPort == 0;
        boolean autoControllerPort = requestedControllerPort == 0;
        for (int attempt = 1; ; attempt++) {
            port = autoPort ? Ports.freePort(host) : Ports.requireFree(host, requestedPort, false);
            controllerPort = autoControllerPort ? Ports.freePort(BrokerConfig.CONTROLLER_HOST)
                    : Ports.requireFree(BrokerConfig.CONTROLLER_HOST, requestedControllerPort, true);
            if (port == controllerPort) {
                if ((autoPort || autoControllerPort) && attempt < AUTO_PORT_ATTEMPTS) {
                    continue; // an auto-picked port collided with the other one: pick again
                }
                throw new IllegalStateException("Kafka port and controller port are both " + port + "; they must differ");
            }
            KafkaConfig config = BrokerConfig.build(nodeId, host, advertisedHost(), port, controllerPort, dir, security,
                    deadline.remainingMillis(), extraProperties);
            dir.requireNotLocked();
            if (dir.clusterId() == null) {
                dir.format(config);
            }
            try {
                KafkaExitGuard guard = KafkaExitGuard.open();
                try {
                    KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
                    server = s;
                    s.startup();
                } finally {
                    guard.close();
                }
                return;
            } catch (RuntimeException e) {
                stopQuietly();
                boolean fatalFault = e instanceof KafkaExitGuard.KafkaTerminationRequest;
                StartupFailure.Kind kind = StartupFailure.classify(e, fatalFault, host, port, BrokerConfig.CONTROLLER_HOST,
                        controllerPort, dir.lockedByAnotherBroker());
                switch (kind) {
                    case PORT_IN_USE, CONTROLLER_PORT_IN_USE -> {
                        boolean isController = kind == StartupFailure.Kind.CONTROLLER_PORT_IN_USE;
                        if ((isController ? autoControllerPort : autoPort) && attempt < AUTO_PORT_ATTEMPTS && !deadline.passed()) {
                            LOG.debug("Auto-picked port {} was taken before Kafka bound it; retrying", isController ? controllerPort : port);
                            continue;
                        }
                        throw Ports.inUse(isController ? controllerPort : port, isController, e);
                    }
                    case DATA_DIR_IN_USE -> throw dir.inUse(e);
                    case CONTROLLER_FAULT -> throw io.ctflow.config.StartupProblem.failure("embedded Kafka failed to start (data " + dir.path()
                            + "): the controller hit a fatal error during start-up (see the Kafka log for the cause)", e);
                    default -> throw io.ctflow.config.StartupProblem.failure("embedded Kafka failed to start (data " + dir.path() + "): "
                            + StartupFailure.describe(StartupFailure.rootCause(e)), e);
                }
            }
        }
    }

    /** Stops the admin client and the broker (if any), swallowing and logging errors. */
    private void stopQuietly() {
        if (admin != null) {
            try {
                admin.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("Error closing embedded Kafka admin client", e);
            }
            admin = null;
        }
        if (server != null) {
            KafkaRaftServer s = server;
            server = null;
            KafkaExitGuard guard = KafkaExitGuard.open();
            try {
                s.shutdown();
                s.awaitShutdown();
            } catch (RuntimeException e) {
                LOG.warn("Error shutting down embedded Kafka: {}", StartupFailure.describe(e), e);
            } finally {
                guard.close();
            }
        }
    }

    private String address() {
        return advertisedHost() + ":" + port;
    }

    private String advertisedHost() {
        // A wildcard bind address cannot be advertised; clients on this host use loopback.
        return isWildcard(host) ? DEFAULT_HOST : host;
    }

    private static boolean isWildcard(String h) {
        return h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]") || h.isEmpty();
    }

    private void requireStarted() {
        if (state != State.STARTED) {
            throw new IllegalStateException(state == State.NEW
                    ? "embedded Kafka is not started; call start() first"
                    : "embedded Kafka is closed");
        }
    }

    @Override
    public synchronized String toString() {
        return "EmbeddedKafka{" + (state == State.STARTED ? bootstrapServers() : state.name().toLowerCase())
                + ", dataDir=" + (dir != null ? dir.path() : dataDir) + "}";
    }

    // ------------------------------------------------------------------------------------------
    // Builder
    // ------------------------------------------------------------------------------------------

    /** Configuration for an {@link EmbeddedKafka}. */
    public static final class Builder {
        private int port = DEFAULT_PORT;
        private int controllerPort = 0;
        private String host = DEFAULT_HOST;
        private int nodeId = DEFAULT_NODE_ID;
        private Path dataDir;
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
        private final Map<String, String> extraProperties = new LinkedHashMap<>();
        private SaslPlainSecurity security;

        private Builder() {
        }

        /** Client listener port; default 9092; 0 picks a free port. */
        public Builder port(int port) {
            this.port = checkPort(port, "port");
            return this;
        }

        /** Controller listener port (bound on 127.0.0.1 only); default 0 = a free ephemeral port. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort, "controllerPort");
            return this;
        }

        /** Host/IP the client listener binds to and advertises; default 127.0.0.1. */
        public Builder host(String host) {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = host.trim();
            return this;
        }

        /** KRaft node id of the combined broker/controller; default 1. */
        public Builder nodeId(int nodeId) {
            if (nodeId < 0) {
                throw new IllegalArgumentException("nodeId must be >= 0, got " + nodeId);
            }
            this.nodeId = nodeId;
            return this;
        }

        /**
         * A data directory that is kept on close and reused on the next start (formatted only if it is
         * empty/new). {@code null} (default) uses a fresh temp directory deleted on close.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Upper bound on {@link EmbeddedKafka#start()}; default 60 s. */
        public Builder startupTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be positive");
            }
            this.startupTimeout = timeout;
            return this;
        }

        /**
         * An extra broker property, applied on top of the embedded defaults. Properties derived from
         * the builder's own settings (listeners, roles, node id, quorum, log dirs) are rejected.
         */
        public Builder brokerProperty(String key, Object value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value of " + key);
            if (BrokerConfig.MANAGED.contains(key)) {
                throw new UsageException("broker property " + key
                        + " is managed by EmbeddedKafka; use the builder's port/controllerPort/host/nodeId/dataDir");
            }
            extraProperties.put(key, String.valueOf(value));
            return this;
        }

        /**
         * Both listeners speak SASL_PLAINTEXT (mechanism PLAIN) and Kafka's StandardAuthorizer checks
         * ACLs: {@code adminUser} is the super user, the {@code users} may do what ACLs grant them.
         */
        public Builder saslPlain(String adminUser, String adminPassword, Map<String, String> users) {
            this.security = new SaslPlainSecurity(adminUser, adminPassword, users);
            return this;
        }

        /**
         * Kafka's own default log-cleaner offset map (128 MiB of heap) instead of the embedded 8 MiB, for a
         * broker that keeps compacted changelogs for hours ({@code ctflow up}, {@code ctflow kafka}, the
         * bench). With one new key per connection an 8 MiB map holds ~300 k keys a pass, so each pass
         * recopies the changelog's whole clean part and the cleaner takes a third of two cores
         * (BENCHMARKS.md, twenty-fifth round). Tests keep the small map.
         */
        public Builder longRunning() {
            return brokerProperty(CleanerConfig.LOG_CLEANER_DEDUPE_BUFFER_SIZE_PROP, LONG_RUNNING_CLEANER_MAP_BYTES);
        }

        /** Adds all entries as {@link #brokerProperty(String, Object)}. */
        public Builder brokerProperties(Map<String, ?> properties) {
            Objects.requireNonNull(properties, "properties");
            List<Map.Entry<String, ?>> entries = new ArrayList<>(properties.entrySet());
            for (Map.Entry<String, ?> e : entries) {
                brokerProperty(e.getKey(), e.getValue());
            }
            return this;
        }

        /** Builds an unstarted instance; call {@link EmbeddedKafka#start()}. */
        public EmbeddedKafka build() {
            if (port != 0 && port == controllerPort) {
                throw new UsageException("port and controllerPort must differ, both are " + port);
            }
            return new EmbeddedKafka(this);
        }

        private static int checkPort(int p, String what) {
            if (p < 0 || p > 65535) {
                throw new UsageException(what + " must be in 0..65535, got " + p);
            }
            return p;
        }
    }
}
