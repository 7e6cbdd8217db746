package io.ctflow.cli.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.schemas.registry.SchemaRegistryClient;
import io.ctflow.testing.Poll;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ctflow kafka} twice on one directory: the second run has the first run's topic, records and schema ids. */
class KafkaCommandIT {
    static final Schema SCHEMA = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"K\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");

    @TempDir
    Path dir;

    /** A {@code ctflow kafka} running in a thread until {@link #stop()}. */
    static final class Running {
        final KafkaCommand cmd = new KafkaCommand();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CompletableFuture<Integer> exit;
        final String bootstrap;
        final String registry;

        Running(Path dir) throws Exception {
            CommandLine cl = new CommandLine(cmd);
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            exit = CompletableFuture.supplyAsync(() -> cl.execute("--kafka-port", "0", "--registry-port", "0", "--data-dir", dir.toString()));
            Poll.until(Duration.ofSeconds(60), () -> {
                assertTrue(!exit.isDone(), "not started: " + out + err);
                return out.toString().lines().count() >= 2;
            }, () -> "not started: " + out + err);
            List<String> lines = out.toString().lines().toList();
            assertTrue(lines.get(0).startsWith("bootstrap.servers=127.0.0.1:"), lines.toString());
            assertTrue(lines.get(1).startsWith("schema.registry.url=http://127.0.0.1:"), lines.toString());
            bootstrap = lines.get(0).substring("bootstrap.servers=".length());
            registry = lines.get(1).substring("schema.registry.url=".length());
        }

        int stop() throws Exception {
            cmd.stop.countDown();
            return exit.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(180)
    void aRestartOnTheSameDirectoryKeepsTopicsRecordsAndSchemaIds() throws Exception {
        int id;
        Running first = new Running(dir);
        try {
            try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", first.bootstrap))) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", first.bootstrap),
                    new StringSerializer(), new StringSerializer())) {
                p.send(new ProducerRecord<>("kept", "k1", "v1")).get(30, TimeUnit.SECONDS);
                p.send(new ProducerRecord<>("kept", "k2", "v2")).get(30, TimeUnit.SECONDS);
            }
            id = SchemaRegistryClient.create(Map.of("schema.registry.url", first.registry)).register("kept-value", SCHEMA);
        } finally {
            assertEquals(0, first.stop());
        }
        assertTrue(first.err.toString().contains("ctflow kafka: data in " + dir), first.err.toString());

        Running second = new Running(dir);
        try {
            SchemaRegistryClient client = SchemaRegistryClient.create(Map.of("schema.registry.url", second.registry));
            assertEquals(SCHEMA, client.getSchemaById(id));
            assertEquals(id, client.getLatestVersion("kept-value").id());
            assertEquals(List.of("k1=v1", "k2=v2"), readAll(second.bootstrap, "kept", 2));
            assertEquals(String.valueOf(EmbeddedKafka.LONG_RUNNING_CLEANER_MAP_BYTES), brokerConfig(second.bootstrap, "log.cleaner.dedupe.buffer.size"),
                    "a broker that runs for days cleans its changelogs with Kafka's default offset map");
        } finally {
            assertEquals(0, second.stop());
        }
    }

    /** As a process: SIGTERM (what Ctrl-C and {@code docker stop} send, too) stops both servers and keeps the data. */
    @Test
    @Timeout(180)
    void sigtermStopsCleanlyAndTheDirectoryIsReusable() throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"), "io.ctflow.cli.Ctflow",
                "kafka", "--kafka-port", "0", "--registry-port", "0", "--data-dir", dir.toString())
                .redirectError(dir.resolve("kafka.err").toFile()).start();
        int id;
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            String bootstrap = out.readLine();
            String registry = out.readLine();
            assertTrue(bootstrap != null && bootstrap.startsWith("bootstrap.servers="), String.valueOf(bootstrap));
            assertTrue(registry != null && registry.startsWith("schema.registry.url="), String.valueOf(registry));
            id = SchemaRegistryClient.create(Map.of("schema.registry.url", registry.substring(registry.indexOf('=') + 1)))
                    .register("kept-value", SCHEMA);
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running 60 s after SIGTERM");
            assertEquals(143, p.exitValue(), "exit status of a process ended by SIGTERM");
        } finally {
            p.destroyForcibly();
        }
        String err = java.nio.file.Files.readString(dir.resolve("kafka.err"));
        assertTrue(err.contains("ctflow kafka: stopping"), err);
        Running again = new Running(dir); // the broker's lock was released, the schema kept
        try {
            assertEquals(SCHEMA, SchemaRegistryClient.create(Map.of("schema.registry.url", again.registry)).getSchemaById(id));
        } finally {
            assertEquals(0, again.stop());
        }
    }

    static String brokerConfig(String bootstrap, String key) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER,
                    String.valueOf(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().id()));
            return admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker).get(key).value();
        }
    }

    static List<String> readAll(String bootstrap, String topic, int expected) throws Exception {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
                new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            List<String> got = new ArrayList<>();
            Poll.holds(Duration.ofSeconds(30), () -> { // the caller asserts what came
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    got.add(r.key() + "=" + r.value());
                }
                return got.size() >= expected;
            });
            return got;
        }
    }
}
