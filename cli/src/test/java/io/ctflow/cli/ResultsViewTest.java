package io.ctflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.AnomalyStatus;
import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.Cause;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.ServiceStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The console view: one Services table per window, whatever the partitions and polls its records come in. */
class ResultsViewTest {
    static final Instant W1 = Instant.parse("2026-11-30T16:47:50Z");
    static final Instant W2 = Instant.parse("2026-11-30T16:48:00Z");

    @Test
    void aWindowsServicesFromEveryPartitionAndPollAreOneTableInIdOrder() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        try (ResultsView view = new ResultsView(new PrintStream(bytes, true, StandardCharsets.UTF_8), null, () -> now[0])) {
            // poll 1: partition 0 has window 1's web; partition 1 window 1's api and window 2's api
            view.show(records(
                    record(0, stats("default/web:http", W1, 2, 1, 1, 1, 31L, Map.of("SYN_SENT", 1L))),
                    record(1, stats("default/api:http", W1, 1, 1, 0, 0, 40L, Map.of("TIME_WAIT", 1L))),
                    record(1, stats("default/api:http", W2, 0, 0, 0, 0, null, Map.of()))));
            assertEquals("", text(bytes), "no table while the window's records still come");
            // poll 2, 0.3 s later: nothing (partition 2's transaction commits later); too soon to call the window complete
            now[0] += 300_000_000L;
            view.show(records());
            assertEquals("", text(bytes), "a poll without stats is not yet a complete window");
            // poll 3: partition 2 has window 1's dns, and an anomaly that shows at once
            now[0] += 200_000_000L;
            view.show(records(
                    record(2, stats("kube-system/kube-dns:dns", W1, 1, 0, 1, 1, null, Map.of("NONE", 1L))),
                    record(2, anomaly())));
            // poll 4, 0.9 s after the last stats: still gathering; poll 5, 1 s after: the windows are complete
            now[0] += 900_000_000L;
            view.show(records());
            assertTrue(text(bytes).endsWith("on node1\n"), "only the anomaly so far");
            now[0] += 100_000_000L;
            view.show(records());
            assertEquals(4, view.stats);
            assertEquals(1, view.anomalies);
        }
        assertEquals("""

                !! INCOMPLETE_NAT OPEN     REPLY_BYPASSED_CONNTRACK on node1  default/web:http
                   10.244.1.2:49502 -> 10.96.0.10:80 -> 10.244.1.3:8080   (first seen 16:47:49, detected 16:47:52)
                   hint: set net.bridge.bridge-nf-call-iptables=1 on node1

                -- Services, window 16:47:50-16:48:00 UTC
                   service                        new replied unreplied incomplete active p50 setup  states
                   default/api:http                 1       1         0          0      1      40us  TIME_WAIT=1
                   default/web:http                 2       1         1          1      1      31us  SYN_SENT=1
                   kube-system/kube-dns:dns         1       0         1          1      1         -  NONE=1

                -- Services, window 16:48:00-16:48:10 UTC
                   service                        new replied unreplied incomplete active p50 setup  states
                   default/api:http                 0       0         0          0      0         -  \n""", text(bytes));
    }

    @Test
    void closingPrintsWhatIsStillGathered() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ResultsView view = new ResultsView(new PrintStream(bytes, true, StandardCharsets.UTF_8), null)) {
            view.show(records(record(0, stats("default/api:http", W2, 3, 3, 0, 0, 12L, Map.of()))));
        }
        assertEquals("""

                -- Services, window 16:48:00-16:48:10 UTC
                   service                        new replied unreplied incomplete active p50 setup  states
                   default/api:http                 3       3         0          0      0      12us  \n""", text(bytes));
    }

    private static String text(ByteArrayOutputStream b) {
        return b.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    private static ServiceStats stats(String service, Instant start, long newFlows, long replied, long unreplied, long incomplete,
                                      Long p50, Map<String, Long> states) {
        return ServiceStats.newBuilder().setService(service).setServiceAddress("")
                .setWindowStart(start).setWindowEnd(start.plusSeconds(10)).setNewFlows(newFlows).setReplied(replied)
                .setUnreplied(unreplied).setIncompleteNat(incomplete == 0 ? Map.of() : Map.of("REPLY_BYPASSED_CONNTRACK", incomplete))
                .setActive(states.values().stream().mapToLong(Long::longValue).sum()).setStates(states).setBackends(Map.of())
                .setSetupP50Micros(p50).setSetupP99Micros(p50).setClients(1).build();
    }

    private static NatAnomaly anomaly() {
        return NatAnomaly.newBuilder().setType(AnomalyType.INCOMPLETE_NAT).setStatus(AnomalyStatus.OPEN).setNode("node1")
                .setClient("10.244.1.2:49502").setService("default/web:http").setServiceAddress("10.96.0.10:80")
                .setBackend("10.244.1.3:8080").setCause(Cause.REPLY_BYPASSED_CONNTRACK)
                .setHint("set net.bridge.bridge-nf-call-iptables=1 on node1")
                .setFirstSeen(Instant.parse("2026-11-30T16:47:49Z")).setDetectedAt(Instant.parse("2026-11-30T16:47:52Z")).build();
    }

    private static ConsumerRecord<String, Object> record(int partition, Object value) {
        String topic = value instanceof NatAnomaly ? "ctflow.anomalies" : "ctflow.service-stats";
        return new ConsumerRecord<>(topic, partition, 0, "k", value);
    }

    @SafeVarargs
    private static ConsumerRecords<String, Object> records(ConsumerRecord<String, Object>... rs) {
        Map<TopicPartition, List<ConsumerRecord<String, Object>>> m = new LinkedHashMap<>();
        for (ConsumerRecord<String, Object> r : rs) {
            m.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), tp -> new ArrayList<>()).add(r);
        }
        return new ConsumerRecords<>(m, Map.of());
    }
}
