package io.ctflow.collector.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.ConntrackEntry;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.ParseException;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.flow.FlowKey;
import io.ctflow.schemas.Topics;
import io.ctflow.testing.Captures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A parsed line written straight from the parse ({@link ConntrackEventEncoder#encode(byte[], ConntrackEntry, long)},
 * {@link EventKeys}, {@link Publisher#entry}) gives exactly the record of the event it becomes: the same Avro bytes,
 * key and timestamp, on every shipped capture line and on lines with every field shape.
 */
class ConntrackEntryWritingTest {
    static final byte[] NO_HEADER = new byte[0];
    static final Instant NOW = Instant.parse("2026-12-02T04:00:00.123456789Z");

    static final List<String> VARIANTS = List.of(
        "ipv4     2 unknown  2 592 src=10.244.1.1 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=10.244.1.1 mark=0 zone=0 use=2",
        "[1795711669.000001]\t    [NEW] ipv6     10 tcp      6 120 SYN_SENT src=fd00::1 dst=fd00:96::10 sport=40000 dport=80 "
            + "[UNREPLIED] src=fd00::2 dst=fd00::1 sport=8080 dport=40000 id=42",
        "tcp      6 431999 ESTABLISHED src=::ffff:10.0.0.1 dst=2001:db8::1 sport=1 dport=2 src=2001:db8::1 dst=::ffff:10.0.0.1 sport=2 "
            + "dport=1 [ASSURED] mark=0 use=1",
        "[DESTROY] icmp     1 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=1234 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=1234 mark=0 "
            + "use=1 id=99",
        "[DESTROY] tcp      6 120 CLOSE src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 id=5",
        "ipv6     10 icmpv6   58 29 src=fd00::1 dst=fd00::2 type=128 code=0 id=5 [UNREPLIED] src=fd00::2 dst=fd00::1 type=129 code=0 "
            + "id=5 mark=0 zone=0 use=2",
        "[1795711669.996532]\t    [NEW] ipv4     2 unknown  112 600 src=10.0.0.1 dst=224.0.0.18 [UNREPLIED] src=224.0.0.18 dst=10.0.0.1 id=5",
        "    [NEW] ipv4     2 sctp     132 3 COOKIE_WAIT src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=6000 [UNREPLIED] src=10.0.0.2 "
            + "dst=10.0.0.1 sport=6000 dport=5000 id=11",
        "dccp     33 120 PARTOPEN src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 mark=0 use=1",
        "ipv4     2 gre      47 179 src=10.0.0.1 dst=10.0.0.2 srckey=0x0 dstkey=0x1a2b src=10.0.0.2 dst=10.0.0.1 srckey=0x1a2b "
            + "dstkey=0x0 [ASSURED] mark=0 zone=0 use=2",
        "ipv4     2 udp      17 29 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=53 packets=1 bytes=60 [UNREPLIED] src=10.0.0.2 "
            + "dst=10.0.0.1 sport=53 dport=1 packets=0 bytes=0 mark=0 zone=0 use=2",
        "[UPDATE] tcp      6 120 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 zone-orig=5 src=10.0.0.2 dst=10.0.0.1 "
            + "sport=2 dport=1 zone-reply=6 [ASSURED] mark=4294967295 secmark=0 secctx=system_u:object_r:x labels=a,b use=1",
        "[UPDATE] tcp      6 120 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 "
            + "sport=2 dport=1 zone-reply=65535 [ASSURED] secctx=\u00e9t\u00e9 labels=\ud83d\ude00 use=2147483647 id=4294967295",
        "[1795711669.5123  ]\t[NEW] tcp 6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 [UNREPLIED] src=10.0.0.2 "
            + "dst=10.0.0.1 sport=2 dport=1 [start=Thu Jan  1 00:00:00 1970] [OFFLOAD] [HW_OFFLOAD] [FOO] id=7",
        "tcp 6 0 NEWSTATE src=0.0.0.0 dst=255.255.255.255 sport=0 dport=65535 packets=9223372036854775807 bytes=0 "
            + "src=255.255.255.255 dst=0.0.0.0 sport=65535 dport=0 packets=0 bytes=9223372036854775807 zone=1 zone-orig=2");

    // Values of every size class of the Avro varints (and the extremes the parser accepts).
    static final String[] NUMBERS = {"0", "1", "63", "64", "127", "128", "8191", "8192", "65535", "1048576", "2147483647",
        "4294967295", "9223372036854775807"};
    static final String[] EXTRA = {"zone=7", "zone-orig=300", "zone-reply=65535", "use=0", "mark=1", "secctx=a:b:c", "labels=x",
        "[ASSURED]", "[OFFLOAD]", "[UNREPLIED]", "[HW_OFFLOAD]", "[SEEN_REPLY]", "id=77", "secmark=0"};

    static final Set<String> SEEDS = new LinkedHashSet<>();

    @BeforeAll
    static void seeds() throws IOException {
        for (String scenario : Captures.SCENARIOS) {
            try (Stream<Path> files = Files.list(Captures.scenario(scenario))) {
                for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                    String name = f.getFileName().toString();
                    if (name.startsWith("events-") || name.startsWith("proc-")) {
                        Files.readAllLines(f, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).forEach(SEEDS::add);
                    }
                }
            }
        }
        SEEDS.addAll(VARIANTS);
    }

    @Test
    void everyCaptureLineIsWrittenAsItsEvent() throws Exception {
        int n = 0;
        for (String line : SEEDS) {
            n += assertSameRecord(line, n + 1) ? 1 : 0;
        }
        assertEquals(SEEDS.size(), n, "every seed line parses");
    }

    @Test
    void linesWithEveryFieldShapeAreWrittenAsTheirEvents() throws Exception {
        Random r = new Random(20261202L);
        List<String> seeds = new ArrayList<>(SEEDS);
        int parsed = 0;
        for (int i = 0; i < 30_000; i++) {
            parsed += assertSameRecord(mutate(seeds.get(r.nextInt(seeds.size())), r), r.nextLong() & Long.MAX_VALUE) ? 1 : 0;
        }
        assertTrue(parsed > 15_000, "mutations that parse: " + parsed);
    }

    @Test
    void thePublisherSendsAnEntryAsItSendsItsEvent() throws Exception {
        RegistryServer registry = RegistryServer.start("127.0.0.1", 0);
        try {
            Map<String, Object> config = Map.of("schema.registry.url", registry.url());
            MockProducer<byte[], byte[]> viaEvents = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
            MockProducer<byte[], byte[]> viaEntries = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
            Publisher events = new Publisher(viaEvents, ValueSerializers.avro(config), Topics.defaults(), new CollectorMetrics());
            CollectorMetrics metrics = new CollectorMetrics();
            ValueSerializers direct = ValueSerializers.avro(config);
            Publisher entries = new Publisher(viaEntries, direct, Topics.defaults(), metrics);
            ConntrackLineParser parser = new ConntrackLineParser("node1", false);
            long seq = 0;
            for (String line : SEEDS) {
                seq++;
                events.event(parser.parse(line, NOW, seq));
                entries.entry(parser.parseEntry(line, NOW), seq);
            }
            assertEquals(SEEDS.size(), viaEntries.history().size());
            for (int i = 0; i < SEEDS.size(); i++) {
                ProducerRecord<byte[], byte[]> a = viaEvents.history().get(i);
                ProducerRecord<byte[], byte[]> b = viaEntries.history().get(i);
                assertEquals(a.topic(), b.topic());
                assertEquals(a.partition(), b.partition());
                assertEquals(a.timestamp(), b.timestamp());
                assertArrayEquals(a.key(), b.key());
                assertArrayEquals(a.value(), b.value());
            }
            assertTrue(((EventWireSerializer) direct.events()).encoding(), "the entries after the first went the direct way");
            assertEquals(SEEDS.size(), (long) metrics.eventsPublished.get());
        } finally {
            registry.close();
        }
    }

    /** Whether the line parsed; if so, its entry's bytes, key and timestamp are its event's. */
    static boolean assertSameRecord(String line, long sequence) {
        for (boolean keepRaw : new boolean[] {false, true}) {
            ConntrackLineParser parser = new ConntrackLineParser("node-\u00e9", keepRaw);
            ConntrackEvent event;
            try {
                event = parser.parse(line, NOW, sequence);
            } catch (ParseException e) {
                return false;
            }
            ConntrackEntry entry;
            try {
                entry = parser.parseEntry(line, NOW);
            } catch (ParseException e) {
                throw new AssertionError("parse accepted what parseEntry refused: " + line, e);
            }
            ConntrackEventEncoder encoder = new ConntrackEventEncoder();
            byte[] expected = ConntrackEventEncoderTest.AVRO.serialize("t", event);
            assertArrayEquals(expected, encoder.encode(NO_HEADER, entry, sequence), () -> "value of " + line);
            assertArrayEquals(FlowKey.of(event).rawBytes(), EventKeys.flowKey(entry), () -> "key of " + line);
            // the record's timestamp (the event keeps micros: its constructor truncates, the value bytes above agree)
            assertEquals(event.getTimestamp().toEpochMilli(), entry.timestamp().toEpochMilli(), () -> "timestamp of " + line);
            assertEquals(event, entry.toEvent(sequence), () -> "event of " + line);
        }
        return true;
    }

    /** Numbers of other sizes, extra entry keys and flags, tokens dropped. */
    static String mutate(String seed, Random r) {
        List<String> tokens = new ArrayList<>(List.of(seed.trim().split(" +")));
        int changes = 1 + r.nextInt(4);
        for (int c = 0; c < changes; c++) {
            int i = r.nextInt(tokens.size());
            String t = tokens.get(i);
            int eq = t.indexOf('=');
            switch (r.nextInt(4)) {
                case 0, 1 -> {
                    if (eq > 0 && !t.startsWith("src=") && !t.startsWith("dst=") && !t.startsWith("secctx") && !t.startsWith("labels")) {
                        tokens.set(i, t.substring(0, eq + 1) + NUMBERS[r.nextInt(NUMBERS.length)]);
                    } else if (t.chars().allMatch(Character::isDigit)) {
                        tokens.set(i, NUMBERS[r.nextInt(NUMBERS.length)]);
                    }
                }
                case 2 -> tokens.add(Math.max(1, r.nextInt(tokens.size() + 1)), EXTRA[r.nextInt(EXTRA.length)]);
                default -> {
                    if (r.nextInt(4) == 0) {
                        tokens.remove(i);
                    }
                }
            }
        }
        return String.join(" ", tokens);
    }
}
