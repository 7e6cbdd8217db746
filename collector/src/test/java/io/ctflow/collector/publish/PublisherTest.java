package io.ctflow.collector.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.CollectorException;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.IptablesNatParser;
import io.ctflow.collector.parse.ServiceKeys;
import io.ctflow.collector.testing.PlainAvro;
import io.ctflow.flow.FlowKey;
import io.ctflow.flow.FlowKeySerde;
import io.ctflow.schemas.Topics;
import io.ctflow.testing.Captures;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PublisherTest {
    static final Topics TOPICS = Topics.defaults();
    static final String LINE = "[1795711669.996532]\t    [NEW] ipv4     2 tcp      6 6 SYN_SENT src=10.244.1.2 dst=10.96.0.10 "
            + "sport=49502 dport=80 [UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=49502 id=1019619955";

    MockProducer<byte[], byte[]> producer;
    CollectorMetrics metrics;
    Publisher publisher;

    @BeforeEach
    void setUp() {
        Node n = new Node(1, "localhost", 9092);
        List<PartitionInfo> parts = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            parts.add(new PartitionInfo(TOPICS.events(), p, n, new Node[] {n}, new Node[] {n}));
        }
        Cluster cluster = new Cluster("c", List.of(n), parts, Set.of(), Set.of());
        producer = new MockProducer<>(cluster, true, null, new ByteArraySerializer(), new ByteArraySerializer());
        metrics = new CollectorMetrics();
        publisher = new Publisher(producer, PlainAvro.serializers(), TOPICS, metrics);
    }

    @Test
    void eventIsKeyedByFlowKeyWithEventTimeAsTimestamp() throws Exception {
        ConntrackEvent e = ConntrackLineParser.parse(LINE, "node1", Instant.EPOCH, 1, false);
        publisher.event(e);
        ProducerRecord<byte[], byte[]> r = producer.history().get(0);
        assertEquals(TOPICS.events(), r.topic());
        assertNull(r.partition());
        FlowKey key = new FlowKeySerde().deserializer().deserialize(r.topic(), r.key());
        assertEquals(FlowKey.of(e), key);
        assertEquals("tcp,10.244.1.3:8080,10.244.1.2:49502", key.text());
        assertEquals(1795711669996L, r.timestamp());
        assertEquals(e, PlainAvro.read(ConntrackEvent.class, r.value()));
        assertEquals(1, (long) metrics.eventsPublished.get());
    }

    @Test
    void markersGoToEveryPartitionWithoutKey() {
        Instant t = Instant.parse("2026-01-01T00:00:01Z");
        assertEquals(6, publisher.marker(EventType.HEARTBEAT, "node1", t, 42));
        assertEquals(1, publisher.marker(EventType.GAP, "node1", t, 42) / 6);
        List<ProducerRecord<byte[], byte[]>> h = producer.history();
        assertEquals(12, h.size());
        Set<Integer> hb = new TreeSet<>();
        for (ProducerRecord<byte[], byte[]> r : h.subList(0, 6)) {
            hb.add(r.partition());
            assertNull(r.key());
            assertEquals(t.toEpochMilli(), r.timestamp());
            ConntrackEvent m = PlainAvro.read(ConntrackEvent.class, r.value());
            assertEquals(EventType.HEARTBEAT, m.getType());
            assertNull(m.getOriginal());
            assertNull(m.getReply());
            assertEquals(42, m.getSequence());
        }
        assertEquals(Set.of(0, 1, 2, 3, 4, 5), hb);
        assertEquals(EventType.GAP, PlainAvro.read(ConntrackEvent.class, h.get(6).value()).getType());
        assertEquals(6, (long) metrics.heartbeats.get());
        assertEquals(1, (long) metrics.gaps.get());
    }

    @Test
    void factsOnlyWhenChanged() {
        NodeFacts f = new NodeFacts("node1", Instant.ofEpochSecond(1), Map.of("net.ipv4.ip_forward", "1"), List.of(), List.of(), List.of(), null, null);
        assertTrue(publisher.facts(f));
        assertFalse(publisher.facts(NodeFacts.newBuilder(f).setTimestamp(Instant.ofEpochSecond(2)).build()), "same facts, later");
        assertTrue(publisher.facts(NodeFacts.newBuilder(f).setSysctls(Map.of("net.ipv4.ip_forward", "0")).build()));
        assertEquals(2, producer.history().size());
        assertEquals("node1", new String(producer.history().get(0).key(), StandardCharsets.UTF_8));
        assertEquals(TOPICS.nodeFacts(), producer.history().get(0).topic());
    }

    @Test
    void servicesOnlyWhenChangedAndTombstoneWhenGone() throws Exception {
        String nat = Files.readString(Captures.scenario("bridge-off").resolve("nat-node1.txt"));
        List<ServiceEntry> all = IptablesNatParser.parse(nat, "node1", Instant.ofEpochSecond(10));
        assertEquals(4, all.size());
        assertEquals(4, publisher.services("node1", all, Instant.ofEpochSecond(10)));
        List<ServiceEntry> later = IptablesNatParser.parse(nat, "node1", Instant.ofEpochSecond(40));
        assertEquals(0, publisher.services("node1", later, Instant.ofEpochSecond(40)), "unchanged: nothing sent");
        List<ServiceEntry> three = later.subList(1, 4);
        assertEquals(1, publisher.services("node1", three, Instant.ofEpochSecond(70)), "one tombstone");
        ProducerRecord<byte[], byte[]> tomb = producer.history().get(4);
        assertEquals(TOPICS.services(), tomb.topic());
        assertNull(tomb.value());
        assertEquals(ServiceKeys.key(all.get(0)), new String(tomb.key(), StandardCharsets.UTF_8));
        assertEquals(Instant.ofEpochSecond(70).toEpochMilli(), tomb.timestamp());
        ServiceEntry changed = ServiceEntry.newBuilder(three.get(0)).setEndpoints(List.of()).build();
        assertEquals(1, publisher.services("node1", List.of(changed, three.get(1), three.get(2)), Instant.ofEpochSecond(100)));
    }

    @Test
    void statsAndDeadLettersAreKeyedByNode() {
        publisher.stats(new NodeStats("node2", Instant.ofEpochSecond(5), 3L, 100L, List.of(), 1L, 1L));
        publisher.deadLetter(new DeadLetter("node2", "conntrack -E", 7L, "no protocol", ByteBuffer.wrap(new byte[] {'x'}), Instant.ofEpochSecond(6)));
        assertEquals(TOPICS.nodeStats(), producer.history().get(0).topic());
        assertEquals(TOPICS.dlq(), producer.history().get(1).topic());
        assertEquals("node2", new String(producer.history().get(1).key(), StandardCharsets.UTF_8));
        assertEquals(7L, PlainAvro.read(DeadLetter.class, producer.history().get(1).value()).getPosition());
    }

    @Test
    void failedSendsAreCountedAndFatalOnesStopThePublisher() throws Exception {
        MockProducer<byte[], byte[]> manual = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        Publisher p = new Publisher(manual, PlainAvro.serializers(), TOPICS, metrics);
        ConntrackEvent e = ConntrackLineParser.parse(LINE, "node1", Instant.EPOCH, 1, false);
        p.event(e);
        p.event(e);
        manual.errorNext(new org.apache.kafka.common.errors.RecordTooLargeException("too large"));
        assertEquals(1, p.sendErrors());
        p.checkHealthy(); // not fatal
        manual.errorNext(new TopicAuthorizationException(Set.of(TOPICS.events())));
        assertEquals(2, p.sendErrors());
        assertEquals(2, (long) metrics.sendErrors.get());
        CollectorException ex = assertThrows(CollectorException.class, () -> p.event(e));
        assertTrue(ex.getMessage().startsWith("Kafka refused the collector's records: Not authorized"), ex.getMessage());
        assertEquals(1, ex.exitCode());
    }
}
