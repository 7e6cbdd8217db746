package io.ctflow.cli.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.NatAnomaly;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.SaslPlainSecurity;
import io.ctflow.schemas.Topics;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.schemas.serde.AvroSerdes;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.StreamsRunner;
import io.ctflow.testing.Captures;
import io.ctflow.testing.Poll;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector and the streams app on a secured cluster, by configuration alone: the embedded
 * broker with SASL/PLAIN listeners and StandardAuthorizer ACLs (the collector and the app get only
 * the ACLs the README lists), the registry with HTTP basic auth. The collector's replay of a shipped
 * capture and the app give the same anomalies as on an open cluster; wrong credentials are one
 * clear line on stderr of a real {@code ctflow} process, quickly.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SecureClusterIT {
    static final String APP_ID = "ctflow-streams";
    static final Topics TOPICS = new Topics(Topics.DEFAULT_PREFIX);

    @TempDir
    static Path tmp;
    static EmbeddedKafka kafka;
    static RegistryServer registry;

    @BeforeAll
    static void secureCluster() throws Exception {
        kafka = EmbeddedKafka.builder().port(0)
                .saslPlain("admin", "admin-secret", Map.of("collector", "collector-secret", "streams", "streams-secret"))
                .build().start();
        registry = RegistryServer.start("127.0.0.1", 0);
        registry.requireBasicAuth("sr-user", "sr-secret");
        kafka.createTopics(TOPICS.all(6, (short) 1)); // an admin creates the topics; neither principal may
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createAcls(acls()).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** The ACLs of README's "Security" section. */
    static List<AclBinding> acls() {
        List<AclBinding> a = new ArrayList<>();
        // collector: writes ctflow.* (idempotent producer: WRITE on the topic is enough since Kafka 3.0)
        allow(a, "collector", ResourceType.TOPIC, TOPICS.prefix(), AclOperation.WRITE, AclOperation.DESCRIBE);
        // streams app: reads and writes ctflow.*, owns its internal topics, group and transactions
        allow(a, "streams", ResourceType.TOPIC, TOPICS.prefix(), AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);
        allow(a, "streams", ResourceType.TOPIC, APP_ID, AclOperation.ALL);
        allow(a, "streams", ResourceType.GROUP, APP_ID, AclOperation.READ);
        allow(a, "streams", ResourceType.TRANSACTIONAL_ID, APP_ID, AclOperation.WRITE, AclOperation.DESCRIBE);
        return a;
    }

    static void allow(List<AclBinding> a, String user, ResourceType type, String prefix, AclOperation... ops) {
        for (AclOperation op : ops) {
            a.add(new AclBinding(new ResourcePattern(type, prefix, PatternType.PREFIXED),
                    new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW)));
        }
    }

    /** The properties file a user writes: Kafka client and registry settings, nothing else. */
    static Path config(String name, String user, String password, String registryUserInfo) throws IOException {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", kafka.bootstrapServers());
        SaslPlainSecurity.clientProperties(user, password).forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
        p.setProperty("schema.registry.url", registry.url());
        p.setProperty("basic.auth.credentials.source", "USER_INFO");
        p.setProperty("basic.auth.user.info", registryUserInfo);
        Path f = tmp.resolve(name + ".properties");
        try (var w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        return f;
    }

    @Test
    void theCollectorsReplayAndTheStreamsAppWorkWithOnlyTheirAcls() throws Exception {
        Path collector = config("collector", "collector", "collector-secret", "sr-user:sr-secret");
        Path streams = config("streams", "streams", "streams-secret", "sr-user:sr-secret");
        Map<String, String> flags = new HashMap<>();
        flags.put("http.port", "0");
        flags.put("state.dir", tmp.resolve("state").toString());
        flags.put("application.id", APP_ID);
        AppConfig app = AppConfig.load(streams, Map.of(), flags);
        try (StreamsRunner ignored = new StreamsRunner(app).start()) {
            Cli r = Cli.run("replay", Captures.scenario("bridge-off").toString(), "--config", collector.toString());
            assertEquals(0, r.code(), r.toString());

            Map<String, Object> cp = new HashMap<>(kafka.clientProperties());
            cp.put(ConsumerConfig.GROUP_ID_CONFIG, "secure-reader");
            cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            Map<String, Object> serdeConfig = new HashMap<>(app.kafka());
            var serde = AvroSerdes.specific(NatAnomaly.class, serdeConfig, false);
            Map<String, NatAnomaly> anomalies = new LinkedHashMap<>();
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(TOPICS.anomalies()));
                Poll.holds(Duration.ofSeconds(90), () -> { // asserted below
                    for (ConsumerRecord<String, byte[]> rec : c.poll(Duration.ofMillis(200))) {
                        anomalies.put(rec.key(), serde.deserializer().deserialize(rec.topic(), rec.value()));
                    }
                    return anomalies.size() >= 3;
                });
            }
            assertEquals(List.of("tcp,10.244.1.3:8080,10.244.1.2:49502@node1", "tcp,10.244.1.99:8080,10.244.1.2:52488@node1",
                    "udp,10.244.1.3:5353,10.244.1.2:57136@node1"), anomalies.keySet().stream().sorted().toList(),
                    "the bridge-off anomalies, as on an open cluster");
        }
    }

    @Test
    void aWrongKafkaPasswordIsOneClearLineForTheCollector() throws Exception {
        Cli r = Cli.run("replay", Captures.scenario("bridge-off").toString(), "--config",
                config("collector-bad", "collector", "wrong", "sr-user:sr-secret").toString());
        r.assertOneLine(1, "ctflow replay: ", "Authentication failed");
    }

    @Test
    void aWrongRegistryPasswordIsOneClearLineForTheCollector() throws Exception {
        Cli r = Cli.run("replay", Captures.scenario("bridge-off").toString(), "--config",
                config("collector-bad-sr", "collector", "collector-secret", "sr-user:wrong").toString());
        r.assertOneLine(1, "ctflow replay: ", "401");
    }

    @Test
    void aWrongKafkaPasswordIsOneClearLineForTheStreamsApp() throws Exception {
        Cli r = Cli.run("streams", "--config", config("streams-bad", "streams", "wrong", "sr-user:sr-secret").toString(),
                "--http-port", "0", "--state-dir", tmp.resolve("state-bad").toString());
        r.assertOneLine(1, "ctflow streams: ", "Authentication failed");
    }

    @Test
    void aWrongRegistryPasswordIsOneClearLineForTheStreamsApp() throws Exception {
        Cli r = Cli.run("streams", "--config", config("streams-bad-sr", "streams", "streams-secret", "sr-user:wrong").toString(),
                "--http-port", "0", "--state-dir", tmp.resolve("state-bad-sr").toString());
        r.assertOneLine(1, "ctflow streams: ", "401");
    }

    /** A real {@code ctflow} process (the CLI's own logging set-up), its exit code and stderr. */
    record Cli(int code, String out, String err, long millis) {
        static Cli run(String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "io.ctflow.cli.Ctflow"));
            cmd.addAll(List.of(args));
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            var out = new java.io.ByteArrayOutputStream();
            Thread t = new Thread(() -> {
                try {
                    p.getInputStream().transferTo(out);
                } catch (IOException e) {
                    // gone
                }
            });
            t.start();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("ctflow " + String.join(" ", args) + " did not end within 120 s (a hang); stderr: " + err);
            }
            t.join(5000);
            return new Cli(p.exitValue(), out.toString(StandardCharsets.UTF_8), err, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }

        void assertOneLine(int exitCode, String prefix, String says) {
            List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
            assertEquals(1, lines.size(), "exactly one line on stderr: " + err);
            String line = lines.get(0);
            assertTrue(line.startsWith(prefix) && line.contains(says), line);
            assertFalse(line.contains("Exception") || line.contains("\tat "), "no stack trace: " + line);
            assertEquals(exitCode, code, line);
            assertTrue(millis < 60_000, "answered in " + millis + " ms");
        }
    }
}
