package io.ctflow.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;
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
 * <p>Instances are thread-safe; all lifecycle methods are synchronized.
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

    static final String LISTENER_NAME = "PLAINTEXT";
    static final String CONTROLLER_LISTENER_NAME = "CONTROLLER";
    private static final String CONTROLLER_HOST = "127.0.0.1";
    private static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(30);
    private static final int AUTO_PORT_ATTEMPTS = 3;
    /** Written by the storage formatter; its presence in the metadata dir means "already formatted". */
    static final String META_PROPERTIES = "meta.properties";
    /** Sub-directory of the data dir holding the KRaft metadata log ({@code metadata.log.dir}). */
    static final String METADATA_SUBDIR = "metadata";
    /** Sub-directory of the data dir holding topic partitions ({@code log.dirs}). */
    static final String LOGS_SUBDIR = "logs";

    /** Properties derived from builder settings; overriding them via brokerProperty would break the instance. */
    private static final Set<String> MANAGED_PROPERTIES = Set.of(
            "process.roles", "node.id", "listeners", "advertised.listeners", "controller.listener.names",
            "listener.security.protocol.map", "inter.broker.listener.name", "controller.quorum.voters",
            "controller.quorum.bootstrap.servers", "log.dirs", "log.dir", "metadata.log.dir");

    private enum State { NEW, STARTED, CLOSED }

    private final int requestedPort;
    private final int requestedControllerPort;
    private final String host;
    private final int nodeId;
    private final Path dataDir;           // null = fresh temp dir, deleted on close
    private final Map<String, String> extraProperties;
    private final Duration startupTimeout;

    private State state = State.NEW;
    private Path effectiveDataDir;
    private boolean ownsDataDir;
    private int port = -1;
    private int controllerPort = -1;
    private String clusterId;
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
    }

    /** A new builder with all defaults (port 9092, ephemeral controller port, temp data dir, 127.0.0.1). */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------
    // Lifecycle
    // ------------------------------------------------------------------------------------------

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
        long deadlineNanos = startNanos + startupTimeout.toNanos();
        try {
            prepareDataDir();
            startServerWithPortRetries(deadlineNanos);
            awaitReady(deadlineNanos);
        } catch (RuntimeException | Error e) {
            stopQuietly();
            deleteOwnedDataDir();
            throw e;
        }
        state = State.STARTED;
        LOG.info("Embedded Kafka {} (cluster {}, data {}) ready in {} ms", bootstrapServers(), clusterId,
                effectiveDataDir, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
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

    // ------------------------------------------------------------------------------------------
    // Accessors
    // ------------------------------------------------------------------------------------------

    /** The client bootstrap string, e.g. {@code "127.0.0.1:9092"}. Only valid once started. */
    public synchronized String bootstrapServers() {
        requireStarted();
        return advertisedHost() + ":" + port;
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
        return effectiveDataDir;
    }

    /** The KRaft cluster id stored in the data directory. Only valid once started. */
    public synchronized String clusterId() {
        requireStarted();
        return clusterId;
    }

    // ------------------------------------------------------------------------------------------
    // Topics
    // ------------------------------------------------------------------------------------------

    /** Varargs form of {@link #createTopics(Collection)}. */
    public void createTopics(NewTopic... topics) {
        createTopics(List.of(topics));
    }

    /**
     * Creates the given topics and waits until every partition has a leader. Topics that already
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
        long deadlineNanos = System.nanoTime() + DEFAULT_OPERATION_TIMEOUT.toNanos();
        Map<String, KafkaFuture<Void>> futures = a.createTopics(topics,
                new CreateTopicsOptions().timeoutMs(remainingMillisInt(deadlineNanos))).values();
        for (Map.Entry<String, KafkaFuture<Void>> e : futures.entrySet()) {
            try {
                e.getValue().get(remainingMillis(deadlineNanos), TimeUnit.MILLISECONDS);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("could not create topic " + e.getKey() + ": "
                            + describe(ex.getCause()), ex.getCause());
                }
            } catch (TimeoutException ex) {
                throw new IllegalStateException("timed out creating topic " + e.getKey(), ex);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating topic " + e.getKey(), ex);
            }
        }
        Set<String> names = new HashSet<>(futures.keySet());
        awaitTopicsHaveLeaders(a, names, deadlineNanos);
    }

    // ------------------------------------------------------------------------------------------
    // Internals: storage
    // ------------------------------------------------------------------------------------------

    private void prepareDataDir() {
        try {
            if (dataDir == null) {
                effectiveDataDir = Files.createTempDirectory("ctflow-kafka-");
                ownsDataDir = true;
            } else {
                effectiveDataDir = dataDir.toAbsolutePath().normalize();
                ownsDataDir = false;
                if (Files.exists(effectiveDataDir) && !Files.isDirectory(effectiveDataDir)) {
                    throw new IllegalStateException("Kafka data directory " + effectiveDataDir + " is not a directory");
                }
                Files.createDirectories(effectiveDataDir);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create Kafka data directory "
                    + (dataDir != null ? dataDir : "in " + System.getProperty("java.io.tmpdir")) + ": " + e, e);
        }
        Path metaFile = effectiveDataDir.resolve(METADATA_SUBDIR).resolve(META_PROPERTIES);
        if (Files.exists(metaFile)) {
            Properties meta = readMetaProperties(metaFile);
            String storedNode = meta.getProperty("node.id");
            if (storedNode != null && !storedNode.trim().equals(String.valueOf(nodeId))) {
                throw new IllegalStateException("Kafka data directory " + effectiveDataDir + " belongs to node "
                        + storedNode.trim() + ", not node " + nodeId);
            }
            String storedCluster = meta.getProperty("cluster.id");
            if (storedCluster == null || storedCluster.isBlank()) {
                throw new IllegalStateException("Kafka data directory " + effectiveDataDir
                        + " has a " + META_PROPERTIES + " without cluster.id");
            }
            clusterId = storedCluster.trim();
            LOG.debug("Reusing formatted Kafka data directory {} (cluster {})", effectiveDataDir, clusterId);
        } else {
            requireEmpty(effectiveDataDir);
            clusterId = null; // formatted later, once the config (ports) is known
        }
    }

    /**
     * Fails fast if another broker (in this JVM or another process) holds Kafka's {@code .lock} in
     * {@code dir}. Kafka would detect this too, but only after its controller had started, and its
     * start-up fault handler terminates the JVM.
     */
    private void requireNotLocked(Path dir) {
        if (isLockedByAnotherBroker(dir)) {
            throw dataDirInUse(null);
        }
    }

    private static boolean isLockedByAnotherBroker(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return true; // held by another process
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // held by another broker in this JVM
        } catch (IOException e) {
            throw new IllegalStateException("cannot lock Kafka data directory " + dir + ": " + e, e);
        }
    }

    private IllegalStateException dataDirInUse(Throwable cause) {
        return new IllegalStateException("Kafka data directory " + effectiveDataDir
                + " is in use by another Kafka broker (in this or another process)", cause);
    }

    private static Properties readMetaProperties(Path metaFile) {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(metaFile)) {
            props.load(in);
            return props;
        } catch (IOException e) {
            throw new IllegalStateException("Kafka data directory " + metaFile.getParent() + " has an unreadable "
                    + META_PROPERTIES + ": " + e, e);
        }
    }

    private static void requireEmpty(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                throw new IllegalStateException("Kafka data directory " + dir + " is not empty and is not a Kafka"
                        + " data directory (found " + entry.getFileName() + " but no " + METADATA_SUBDIR + "/"
                        + META_PROPERTIES + "); use an empty or previously used directory");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read Kafka data directory " + dir + ": " + e, e);
        }
    }

    /** Formats the (empty) data directory the same way {@code kafka.tools.StorageTool format} does. */
    private void format(KafkaConfig config) {
        String newClusterId = Uuid.randomUuid().toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            Formatter formatter = new Formatter()
                    .setPrintStream(ps)
                    .setNodeId(config.nodeId())
                    .setClusterId(newClusterId)
                    // This node is a controller: write the bootstrap snapshot into the metadata log dir.
                    .setWriteBootstrapSnapshot(true)
                    .setUnstableFeatureVersionsEnabled(config.unstableFeatureVersionsEnabled())
                    .setIgnoreFormatted(false)
                    .setControllerListenerName(config.controllerListenerNames().get(0))
                    .setMetadataLogDirectory(config.metadataLogDir())
                    // Static voters (controller.quorum.voters is always set, see buildConfig) => kraft.version 0
                    // and no --standalone/--initial-controllers, exactly as StorageTool decides it.
                    .setHasDynamicQuorum(false);
            for (String dir : config.logDirs()) {
                formatter.addDirectory(dir);
            }
            formatter.addDirectory(config.metadataLogDir());
            formatter.run();
        } catch (Exception e) {
            throw new IllegalStateException("could not format Kafka data directory " + effectiveDataDir + ": "
                    + describe(e), e);
        }
        clusterId = newClusterId;
        LOG.debug("Formatted {}: {}", effectiveDataDir, out.toString(StandardCharsets.UTF_8).trim());
    }

    private void deleteOwnedDataDir() {
        if (ownsDataDir && effectiveDataDir != null) {
            try {
                Utils.delete(effectiveDataDir.toFile());
            } catch (IOException e) {
                LOG.warn("Could not delete Kafka temp directory {}: {}", effectiveDataDir, e.toString());
            }
            ownsDataDir = false;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Internals: server
    // ------------------------------------------------------------------------------------------

    private void startServerWithPortRetries(long deadlineNanos) {
        boolean autoPort = requestedPort == 0;
        boolean autoControllerPort = requestedControllerPort == 0;
        for (int attempt = 1; ; attempt++) {
            port = autoPort ? freePort(host) : checkPortFree(host, requestedPort, false);
            controllerPort = autoControllerPort ? freePort(CONTROLLER_HOST)
                    : checkPortFree(CONTROLLER_HOST, requestedControllerPort, true);
            if (port == controllerPort) {
                if ((autoPort || autoControllerPort) && attempt < AUTO_PORT_ATTEMPTS) {
                    continue; // an auto-picked port collided with the other one: pick again
                }
                throw new IllegalStateException("Kafka port and controller port are both " + port
                        + "; they must differ");
            }
            KafkaConfig config = buildConfig(deadlineNanos);
            requireNotLocked(effectiveDataDir.resolve(METADATA_SUBDIR));
            requireNotLocked(effectiveDataDir.resolve(LOGS_SUBDIR));
            if (clusterId == null) {
                format(config);
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
                Integer boundPort = bindFailurePort(e);
                if (boundPort == null && fatalFault && !isBindable(CONTROLLER_HOST, controllerPort)) {
                    // The controller's fatal-fault path hides the cause; a controller port taken by
                    // someone else (e.g. lost race for an auto-picked port) is the usual one.
                    boundPort = controllerPort;
                }
                if (boundPort != null) {
                    boolean isController = boundPort == controllerPort;
                    boolean retryable = isController ? autoControllerPort : autoPort;
                    if (retryable && attempt < AUTO_PORT_ATTEMPTS && System.nanoTime() < deadlineNanos) {
                        LOG.debug("Auto-picked port {} was taken before Kafka bound it; retrying", boundPort);
                        continue;
                    }
                    throw portInUse(boundPort, isController, e);
                }
                if (describe(rootCause(e)).contains("Failed to acquire lock")
                        || (fatalFault && isLockedByAnotherBroker(effectiveDataDir.resolve(METADATA_SUBDIR)))) {
                    throw dataDirInUse(e);
                }
                if (fatalFault) {
                    throw new IllegalStateException("embedded Kafka failed to start (data " + effectiveDataDir
                            + "): the controller hit a fatal error during start-up (see the Kafka log for the cause)", e);
                }
                throw new IllegalStateException("embedded Kafka failed to start (data " + effectiveDataDir + "): "
                        + describe(rootCause(e)), e);
            }
        }
    }

    private KafkaConfig buildConfig(long deadlineNanos) {
        Map<String, Object> p = new LinkedHashMap<>();
        // Roles / identity / networking (managed)
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(nodeId));
        p.put("listeners", LISTENER_NAME + "://" + formatHost(host) + ":" + port + ","
                + CONTROLLER_LISTENER_NAME + "://" + CONTROLLER_HOST + ":" + controllerPort);
        p.put("advertised.listeners", LISTENER_NAME + "://" + formatHost(advertisedHost()) + ":" + port);
        p.put("listener.security.protocol.map", LISTENER_NAME + ":PLAINTEXT," + CONTROLLER_LISTENER_NAME + ":PLAINTEXT");
        p.put("inter.broker.listener.name", LISTENER_NAME);
        p.put("controller.listener.names", CONTROLLER_LISTENER_NAME);
        p.put("controller.quorum.voters", nodeId + "@" + CONTROLLER_HOST + ":" + controllerPort);
        // Separate metadata dir: KafkaRaftManager then locks it before opening the metadata log, so a second
        // instance on the same data dir fails fast instead of touching the running node's metadata log.
        p.put("log.dirs", effectiveDataDir.resolve(LOGS_SUBDIR).toString());
        p.put("metadata.log.dir", effectiveDataDir.resolve(METADATA_SUBDIR).toString());
        // Single node: replication factor 1 everywhere, no auto-creation, fast group joins
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Small footprint
        p.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
        p.put("offsets.topic.segment.bytes", String.valueOf(16 * 1024 * 1024));
        p.put("transaction.state.log.segment.bytes", String.valueOf(16 * 1024 * 1024));
        p.put("share.coordinator.state.topic.segment.bytes", String.valueOf(16 * 1024 * 1024));
        p.put("metadata.log.segment.bytes", String.valueOf(8 * 1024 * 1024));
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("background.threads", "4");
        // Fail start() instead of hanging forever if the node can never come up
        p.put("server.max.startup.time.ms", String.valueOf(Math.max(1, remainingMillis(deadlineNanos))));
        // User pass-through wins (managed keys were rejected by the builder)
        p.putAll(extraProperties);
        Properties props = new Properties();
        props.putAll(p);
        try {
            return KafkaConfig.fromProps(props, false);
        } catch (RuntimeException e) {
            throw new IllegalStateException("invalid embedded Kafka configuration: " + describe(e), e);
        }
    }

    private void awaitReady(long deadlineNanos) {
        Map<String, Object> adminProps = new LinkedHashMap<>();
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, advertisedHost() + ":" + port);
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "ctflow-embedded-kafka-admin");
        adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        adminProps.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        adminProps.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
        adminProps.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        admin = Admin.create(adminProps);
        Throwable last = null;
        while (true) {
            long remaining = remainingMillis(deadlineNanos);
            if (remaining <= 0) {
                throw new IllegalStateException("embedded Kafka at " + advertisedHost() + ":" + port
                        + " did not become ready within " + startupTimeout.toMillis() + " ms"
                        + (last != null ? ": " + describe(last) : ""));
            }
            try {
                int attemptMs = (int) Math.min(remaining, 5_000);
                Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(attemptMs))
                        .nodes().get(attemptMs, TimeUnit.MILLISECONDS);
                if (nodes.stream().anyMatch(n -> n.id() == nodeId)) {
                    return;
                }
                last = new IllegalStateException("broker " + nodeId + " not yet registered; nodes=" + nodes);
            } catch (ExecutionException e) {
                last = e.getCause();
            } catch (TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for embedded Kafka to start", e);
            }
            pause(deadlineNanos, 50);
        }
    }

    private static void awaitTopicsHaveLeaders(Admin a, Set<String> names, long deadlineNanos) {
        Throwable last = null;
        while (true) {
            long remaining = remainingMillis(deadlineNanos);
            if (remaining <= 0) {
                throw new IllegalStateException("topics " + names + " did not get partition leaders in time"
                        + (last != null ? ": " + describe(last) : ""));
            }
            try {
                int attemptMs = (int) Math.min(remaining, 5_000);
                Map<String, TopicDescription> d = a.describeTopics(names, new DescribeTopicsOptions().timeoutMs(attemptMs))
                        .allTopicNames().get(attemptMs, TimeUnit.MILLISECONDS);
                boolean ready = d.values().stream().flatMap(t -> t.partitions().stream())
                        .map(TopicPartitionInfo::leader).allMatch(l -> l != null && !l.isEmpty());
                if (ready && d.keySet().containsAll(names)) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    last = e.getCause();
                }
            } catch (TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for topics " + names, e);
            }
            pause(deadlineNanos, 20);
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
                LOG.warn("Error shutting down embedded Kafka: {}", describe(e), e);
            } finally {
                guard.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Internals: ports / helpers
    // ------------------------------------------------------------------------------------------

    private static int freePort(String bindHost) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(bindHost), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("cannot find a free port on " + bindHost + ": " + e, e);
        }
    }

    private static boolean isBindable(String bindHost, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(bindHost), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int checkPortFree(String bindHost, int port, boolean controller) {
        InetAddress addr;
        try {
            addr = InetAddress.getByName(bindHost);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("unknown Kafka host " + bindHost, e);
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(addr, port));
            return port;
        } catch (BindException e) {
            throw portInUse(port, controller, e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind " + bindHost + ":" + port + ": " + e, e);
        }
    }

    private static IllegalStateException portInUse(int port, boolean controller, Throwable cause) {
        String msg = controller
                ? "controller port " + port + " is in use; pass another controller port (or 0 for a free one)"
                : "port " + port + " is in use; pass another with --kafka-port";
        return new IllegalStateException(msg, cause);
    }

    /** If Kafka failed to bind a listener socket, returns that port, else null. */
    private Integer bindFailurePort(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof BindException || m.contains("failed to bind") || m.contains("Address already in use")) {
                if (m.contains(":" + controllerPort)) {
                    return controllerPort;
                }
                return port;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private String advertisedHost() {
        // A wildcard bind address cannot be advertised; clients on this host use loopback.
        return isWildcard(host) ? DEFAULT_HOST : host;
    }

    private static boolean isWildcard(String h) {
        return h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]") || h.isEmpty();
    }

    private static String formatHost(String h) {
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    private void requireStarted() {
        if (state != State.STARTED) {
            throw new IllegalStateException(state == State.NEW
                    ? "embedded Kafka is not started; call start() first"
                    : "embedded Kafka is closed");
        }
    }

    private static long remainingMillis(long deadlineNanos) {
        return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    }

    private static int remainingMillisInt(long deadlineNanos) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, remainingMillis(deadlineNanos)));
    }

    /** Short bounded back-off inside a deadline-limited poll loop. */
    private static void pause(long deadlineNanos, long millis) {
        long sleep = Math.min(millis, Math.max(0, remainingMillis(deadlineNanos)));
        if (sleep <= 0) {
            return;
        }
        try {
            Thread.sleep(sleep);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for embedded Kafka", e);
        }
    }

    private static Throwable rootCause(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r;
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    @Override
    public synchronized String toString() {
        return "EmbeddedKafka{" + (state == State.STARTED ? bootstrapServers() : state.name().toLowerCase())
                + ", dataDir=" + (effectiveDataDir != null ? effectiveDataDir : dataDir) + "}";
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
            if (MANAGED_PROPERTIES.contains(key)) {
                throw new IllegalArgumentException("broker property " + key
                        + " is managed by EmbeddedKafka; use the builder's port/controllerPort/host/nodeId/dataDir");
            }
            extraProperties.put(key, String.valueOf(value));
            return this;
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
                throw new IllegalArgumentException("port and controllerPort must differ, both are " + port);
            }
            return new EmbeddedKafka(this);
        }

        private static int checkPort(int p, String what) {
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException(what + " must be in 0..65535, got " + p);
            }
            return p;
        }
    }
}
