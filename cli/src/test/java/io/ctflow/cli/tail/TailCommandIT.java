package io.ctflow.cli.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.flow.FlowKey;
import io.ctflow.json.AvroJson;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.schemas.serde.AvroSerdes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code ctflow tail} on the embedded broker: exact JSON per record, error objects for garbage, --max and --max-idle. */
@Timeout(120)
class TailCommandIT {
    static final String[] LINES = {
        "[1795711669.996532]\t    [NEW] ipv4     2 tcp      6 6 SYN_SENT src=10.244.1.2 dst=10.96.0.10 sport=49502 dport=80 [UNREPLIED] "
            + "src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=49502 id=1019619955",
        "[1795711672.995281]\t [UPDATE] ipv4     2 tcp      6 60 SYN_RECV src=10.244.1.2 dst=10.96.0.20 sport=41622 dport=80 "
            + "src=10.244.2.2 dst=10.244.1.2 sport=8080 dport=41622 id=913990877",
    };
    static EmbeddedKafka kafka;
    static RegistryServer registry;
    static final List<ObjectNode> expectedEvents = new ArrayList<>();
    static ObjectNode expectedDeadLetter;

    record Run(int code, List<JsonNode> lines, String err) {}

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.builder().port(0).build().start();
        registry = RegistryServer.start("127.0.0.1", 0);
        kafka.createTopics(new NewTopic("ctflow.events", 2, (short) 1), new NewTopic("ctflow.dlq", 1, (short) 1));
        Map<String, Object> serde = Map.of("schema.registry.url", registry.url());
        var events = AvroSerdes.specific(ConntrackEvent.class, serde, false).serializer();
        var deadLetters = AvroSerdes.specific(DeadLetter.class, serde, false).serializer();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            ConntrackLineParser parser = new ConntrackLineParser("node1", false);
            long seq = 0;
            for (String line : LINES) {
                ConntrackEvent e = parser.parse(line, Instant.EPOCH, ++seq);
                FlowKey key = FlowKey.of(e);
                RecordMetadata m = p.send(new ProducerRecord<>("ctflow.events", 1, null, key.rawBytes(),
                        events.serialize("ctflow.events", e))).get(30, TimeUnit.SECONDS);
                expectedEvents.add(expected(m, key.text(), e));
            }
            // Garbage value, then a value that is fine under a key that is not a flow key.
            p.send(new ProducerRecord<>("ctflow.events", 1, null, FlowKey.parse("udp,10.0.0.1:1,10.0.0.2:2").rawBytes(),
                    "garbage".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            p.send(new ProducerRecord<>("ctflow.events", 1, null, new byte[] {1, 2, 3},
                    events.serialize("ctflow.events", parser.parse(LINES[0], Instant.EPOCH, 9)))).get(30, TimeUnit.SECONDS);
            DeadLetter d = DeadLetter.newBuilder().setNode("node1").setSource("events-node1.txt").setPosition(7)
                    .setReason("expected key=value").setRaw(ByteBuffer.wrap("x y".getBytes(StandardCharsets.UTF_8)))
                    .setTimestamp(Instant.parse("2026-11-26T16:47:49Z")).build();
            RecordMetadata m = p.send(new ProducerRecord<>("ctflow.dlq", 0, null, "node1".getBytes(StandardCharsets.UTF_8),
                    deadLetters.serialize("ctflow.dlq", d))).get(30, TimeUnit.SECONDS);
            expectedDeadLetter = expected(m, "node1", d);
        }
    }

    /** What tail must print, as parsed back from its text (so number and binary nodes compare as printed). */
    static ObjectNode expected(RecordMetadata m, String key, SpecificRecord value) throws Exception {
        ObjectNode o = AvroJson.MAPPER.createObjectNode().put("topic", m.topic()).put("partition", m.partition()).put("offset", m.offset())
                .put("timestamp", Instant.ofEpochMilli(m.timestamp()).toString()).put("key", key);
        o.set("value", AvroJson.toJson(value));
        return (ObjectNode) AvroJson.MAPPER.readTree(o.toString());
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

    static Run tail(String... args) throws Exception {
        CommandLine cl = io.ctflow.cli.CtflowTestAccess.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("tail", "--bootstrap-servers", kafka.bootstrapServers(),
                "--schema-registry-url", registry.url()));
        all.addAll(List.of(args));
        int code = cl.execute(all.toArray(String[]::new));
        List<JsonNode> lines = new ArrayList<>();
        for (String l : out.toString().lines().toList()) {
            lines.add(AvroJson.MAPPER.readTree(l));
        }
        return new Run(code, lines, err.toString());
    }

    @Test
    void printsEveryRecordDecodedAndAnErrorObjectForWhatDoesNotDecode() throws Exception {
        long t0 = System.nanoTime();
        Run r = tail("ctflow.events", "--from-beginning", "--max-idle", "2s");
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(0, r.code, r.err);
        assertEquals(4, r.lines.size(), r.lines.toString());
        assertEquals(expectedEvents.get(0), r.lines.get(0));
        assertEquals(expectedEvents.get(1), r.lines.get(1));
        assertEquals(AvroJson.MAPPER.readTree("{\"topic\":\"ctflow.events\",\"partition\":1,\"offset\":2,"
                + "\"error\":\"ctflow.events: unknown magic byte 0x67 (not Confluent wire format)\"}"), r.lines.get(2));
        assertEquals(AvroJson.MAPPER.readTree("{\"topic\":\"ctflow.events\",\"partition\":1,\"offset\":3,"
                + "\"error\":\"not a flow key: 3 bytes\"}"), r.lines.get(3));
        assertTrue(took >= 2000, "stopped before --max-idle: " + took + " ms");
    }

    @Test
    void stringKeysOnOtherTopicsAndMaxStopsAfterNRecords() throws Exception {
        Run dlq = tail("ctflow.dlq", "--from-beginning", "--max", "1");
        assertEquals(0, dlq.code, dlq.err);
        assertEquals(List.of(expectedDeadLetter), dlq.lines);
        Run two = tail("ctflow.events", "--from-beginning", "--max", "2");
        assertEquals(0, two.code, two.err);
        assertEquals(List.of(expectedEvents.get(0), expectedEvents.get(1)), two.lines);
    }

    @Test
    void withoutFromBeginningOnlyNewRecordsCountAndAMissingTopicIsOneLine() throws Exception {
        Run none = tail("ctflow.events", "--max-idle", "500ms");
        assertEquals(0, none.code, none.err);
        assertEquals(List.of(), none.lines);
        Run missing = tail("no.such.topic", "--max-idle", "1s");
        assertEquals(2, missing.code);
        assertEquals("ctflow tail: topic no.such.topic does not exist at " + kafka.bootstrapServers(), missing.err.strip());
    }
}
