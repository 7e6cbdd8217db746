package io.ctflow.streams.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.ServiceStats;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceCountersTest {
    static ServiceStats window(long startSec, long news, long replied, long unreplied) {
        return ServiceStats.newBuilder().setService("default/web:http").setServiceAddress("10.96.0.10:80")
                .setWindowStart(Instant.ofEpochSecond(startSec)).setWindowEnd(Instant.ofEpochSecond(startSec + 10))
                .setNewFlows(news).setReplied(replied).setUnreplied(unreplied)
                .setIncompleteNat(Map.of("NO_REPLY", unreplied)).setActive(3).setStates(Map.of()).setBackends(Map.of())
                .setClients(1).build();
    }

    static Map<String, ServiceCounters.Totals> totals(ServiceCounters c) {
        Map<String, ServiceCounters.Totals> m = new HashMap<>();
        c.forEach(m::put);
        return m;
    }

    @Test
    void aWindowClosedAgainByARevivedTaskIsNotCountedTwice() {
        ServiceCounters c = new ServiceCounters();
        c.windowClosed("default/web:http", window(100, 5, 4, 1), Map.of("31", 4L)); // 31 us
        c.windowClosed("default/web:http", window(110, 2, 2, 0), Map.of("64", 2L)); // 64 us
        c.windowClosed("default/web:http", window(110, 2, 2, 0), Map.of("64", 2L)); // revived: the same window again
        c.windowClosed("default/web:http", window(100, 5, 4, 1), Map.of("31", 4L)); // and an older one
        ServiceCounters.Totals t = totals(c).get("default/web:http");
        assertEquals(7, t.newFlows);
        assertEquals(6, t.replied);
        assertEquals(1, t.unreplied);
        assertEquals(Map.of("NO_REPLY", 1L), t.incomplete);
        long[] expected = new long[ServiceCounters.BOUNDS_SECONDS.length];
        expected[0] = 6; // all under 100 us
        assertArrayEquals(expected, t.latencyCounts);
        assertEquals(4 * 31e-6 + 2 * 64e-6, t.latencySumSeconds, 1e-12);
    }

    @Test
    void bucketsAreSortedByTheirLowerBound() {
        assertEquals(0, ServiceCounters.boundIndex(0.0001));
        assertEquals(1, ServiceCounters.boundIndex(0.00010001));
        assertEquals(12, ServiceCounters.boundIndex(1.0));
        assertEquals(ServiceCounters.BOUNDS_SECONDS.length - 1, ServiceCounters.boundIndex(60));
    }

    @Test
    void servicesPastTheCapGoToOneOverflowSeries() {
        ServiceCounters c = new ServiceCounters();
        for (int i = 0; i < ServiceCounters.MAX_SERVICES + 2; i++) {
            c.windowClosed("svc" + i, window(100, 1, 1, 0), Map.of());
        }
        Map<String, ServiceCounters.Totals> t = totals(c);
        assertEquals(ServiceCounters.MAX_SERVICES + 1, t.size());
        assertEquals(2, t.get(ServiceCounters.OVERFLOW).newFlows);
    }
}
