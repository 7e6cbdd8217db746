package io.ctflow.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicsTest {
    static final String WEEK = Long.toString(7L * 24 * 3600 * 1000);
    static final String MONTH = Long.toString(30L * 24 * 3600 * 1000);

    @Test
    void namesUnderTheDefaultPrefix() {
        Topics t = Topics.defaults();
        assertEquals("ctflow.", t.prefix());
        assertEquals(List.of("ctflow.events", "ctflow.node-facts", "ctflow.node-stats", "ctflow.services", "ctflow.dlq",
                "ctflow.anomalies", "ctflow.service-stats"),
                List.of(t.events(), t.nodeFacts(), t.nodeStats(), t.services(), t.dlq(), t.anomalies(), t.serviceStats()));
        assertEquals("ctflow.events", new Topics(null).events());
    }

    @Test
    void namesUnderAnotherPrefix() {
        Topics t = new Topics("lab1-");
        assertEquals("lab1-events", t.events());
        assertEquals("lab1-service-stats", t.serviceStats());
        assertEquals("events", new Topics("").events());
    }

    @Test
    void collectorTopicsAsTheTableSays() {
        Map<String, NewTopic> c = byName(new Topics("p.").collectorTopics(6, (short) 3));
        assertEquals(List.of("p.dlq", "p.events", "p.node-facts", "p.node-stats", "p.services"), c.keySet().stream().sorted().toList());
        assertTopic(c.get("p.events"), 6, Map.of("retention.ms", WEEK));
        assertTopic(c.get("p.node-facts"), 1, Map.of("cleanup.policy", "compact"));
        assertTopic(c.get("p.node-stats"), 6, Map.of("retention.ms", WEEK));
        assertTopic(c.get("p.services"), 1, Map.of("cleanup.policy", "compact"));
        assertTopic(c.get("p.dlq"), 1, Map.of("retention.ms", WEEK));
    }

    @Test
    void outputTopicsAsTheTableSays() {
        Map<String, NewTopic> o = byName(Topics.defaults().outputTopics(4, (short) 1));
        assertEquals(3, o.size());
        assertTopic(o.get("ctflow.streams-dlq"), 1, Map.of("retention.ms", MONTH));
        assertTopic(o.get("ctflow.anomalies"), 4, Map.of("cleanup.policy", "compact,delete", "retention.ms", MONTH));
        assertTopic(o.get("ctflow.service-stats"), 4, Map.of("retention.ms", MONTH));
        assertEquals(1, o.get("ctflow.anomalies").replicationFactor());
    }

    @Test
    void allIsBothWithoutDuplicates() {
        List<NewTopic> all = Topics.defaults().all(Topics.DEFAULT_PARTITIONS, (short) 1);
        assertEquals(8, all.size());
        assertEquals(8, all.stream().map(NewTopic::name).distinct().count());
    }

    static Map<String, NewTopic> byName(List<NewTopic> topics) {
        return topics.stream().collect(Collectors.toMap(NewTopic::name, t -> t));
    }

    static void assertTopic(NewTopic t, int partitions, Map<String, String> configs) {
        assertEquals(partitions, t.numPartitions(), t.name());
        Map<String, String> expected = new java.util.HashMap<>(configs);
        expected.put("message.timestamp.type", "LogAppendTime");
        assertEquals(expected, t.configs(), t.name());
    }

    @Test
    void everyTopicCountsRetentionFromAppendTimeNotEventTime() {
        for (NewTopic t : Topics.defaults().all(3, (short) 1)) {
            assertEquals("LogAppendTime", t.configs().get("message.timestamp.type"), t.name());
        }
    }
}
