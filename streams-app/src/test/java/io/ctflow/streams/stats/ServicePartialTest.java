package io.ctflow.streams.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.internal.WindowAcc;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServicePartialTest {
    static WindowAcc emptyWindow() {
        return new WindowAcc(0L, 0L, 0L, 0L, new HashMap<>(), new HashMap<>(), new HashMap<>(), new HashMap<>(),
                new ArrayList<>(), ByteBuffer.allocate(0));
    }

    /** Connection i: NEW from client i % clients, replied after i µs, then ESTABLISHED, every third one ended. */
    static List<ConnectionChange> changes(int n, int clients) {
        List<ConnectionChange> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new ConnectionChange(ConnectionChange.Kind.NEW, i, "10.96.0.10:80/tcp")
                    .client(DistinctClientsTest.ip(i % clients)).backend("10.244.2." + (i % 3) + ":8080").toState("SYN_SENT"));
            out.add(new ConnectionChange(ConnectionChange.Kind.STATE, i, "10.96.0.10:80/tcp")
                    .replied(100L * i).fromState("SYN_SENT").toState("ESTABLISHED"));
            if (i % 3 == 0) {
                out.add(new ConnectionChange(ConnectionChange.Kind.END, i, "10.96.0.10:80/tcp").fromState("ESTABLISHED"));
            }
        }
        out.add(new ConnectionChange(ConnectionChange.Kind.NEW, 0, "").fresh(false).toState("ESTABLISHED").replied(-1));
        out.add(new ConnectionChange(ConnectionChange.Kind.UNREPLIED, 0, ""));
        out.add(new ConnectionChange(ConnectionChange.Kind.INCOMPLETE, 0, "").cause("BACKEND_NOT_ENDPOINT"));
        return out;
    }

    static WindowAcc mergedFrom(List<ConnectionChange> changes, int parts) {
        WindowAcc w = emptyWindow();
        for (int p = 0; p < parts; p++) {
            ServicePartial partial = new ServicePartial("web", 0, "10.96.0.10:80/tcp");
            for (int i = p; i < changes.size(); i += parts) {
                partial.apply(changes.get(i));
            }
            partial.mergeInto(w);
        }
        return w;
    }

    @Test
    void countsWhatTheChangesSay() {
        WindowAcc w = mergedFrom(changes(90, 40), 1);
        assertEquals(90, w.getNewFlows(), "the adopted connection is not new");
        assertEquals(91, w.getReplied());
        assertEquals(1, w.getUnreplied());
        assertEquals(Map.of("BACKEND_NOT_ENDPOINT", 1L), w.getIncomplete());
        assertEquals(Map.of("SYN_SENT", 0L, "ESTABLISHED", 61L), w.getStateDelta());
        assertEquals(Map.of("10.244.2.0:8080", 30L, "10.244.2.1:8080", 30L, "10.244.2.2:8080", 30L), w.getBackends());
        assertEquals(90, w.getLatencyBuckets().values().stream().mapToLong(Long::longValue).sum(), "an unknown latency is not in the histogram");
        assertEquals(40, DistinctClients.count(w.getClients(), w.getClientBits()));
    }

    @Test
    void partialsMergeToWhatOnePartialOfAllChangesGives() {
        for (int clients : new int[] {40, 64, 65, 500}) {
            List<ConnectionChange> all = changes(700, clients);
            WindowAcc whole = mergedFrom(all, 1);
            for (int parts : new int[] {2, 3, 8}) {
                WindowAcc merged = mergedFrom(all, parts);
                assertEquals(whole.getNewFlows(), merged.getNewFlows());
                assertEquals(whole.getReplied(), merged.getReplied());
                assertEquals(whole.getStateDelta(), merged.getStateDelta());
                assertEquals(whole.getBackends(), merged.getBackends());
                assertEquals(whole.getLatencyBuckets(), merged.getLatencyBuckets());
                assertEquals(whole.getClientBits(), merged.getClientBits(), clients + " clients in " + parts + " partials");
                assertEquals(new java.util.HashSet<>(whole.getClients()), new java.util.HashSet<>(merged.getClients()));
                assertEquals(DistinctClients.count(whole.getClients(), whole.getClientBits()),
                        DistinctClients.count(merged.getClients(), merged.getClientBits()));
            }
        }
    }
}
