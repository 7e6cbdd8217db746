package io.ctflow.collector.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.Protocol;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.publish.Sink;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnlyServicesTest {
    static final String POD_TO_POD = ServiceTrafficTest.line("tcp", "ipv4", "10.244.1.2", "10.244.2.9", 8080, "10.244.2.9", 8080);
    static final String TO_WEB_ENDPOINT = ServiceTrafficTest.line("tcp", "ipv4", "10.244.2.2", "10.244.1.3", 8080, "10.244.1.3", 8080);

    final CollectorMetrics metrics = new CollectorMetrics();
    final OnlyServices filter = OnlyServices.counting(metrics.droppedNotService);

    @Test
    void dropsNothingBeforeTheFirstTable() throws Exception {
        assertNull(filter.table());
        assertTrue(filter.keeps(ServiceTrafficTest.parse(POD_TO_POD)));
        assertEquals(0, CollectorMetrics.value(metrics.droppedNotService));
    }

    @Test
    void followsEveryNewTableAndCountsWhatItDrops() throws Exception {
        filter.servicesRead(ServiceTrafficTest.TABLE);
        assertFalse(filter.keeps(ServiceTrafficTest.parse(POD_TO_POD)));
        assertTrue(filter.keeps(ServiceTrafficTest.parse(TO_WEB_ENDPOINT)));
        assertEquals(1, CollectorMetrics.value(metrics.droppedNotService));

        // 10.244.2.9:8080 becomes an endpoint; 10.244.1.3:8080 no longer is
        filter.servicesRead(List.of(ServiceTrafficTest.service("default/web:http", "10.96.0.10", 80, Protocol.TCP, "10.244.2.9", 8080)));
        assertTrue(filter.keeps(ServiceTrafficTest.parse(POD_TO_POD)));
        assertFalse(filter.keeps(ServiceTrafficTest.parse(TO_WEB_ENDPOINT)));
        assertEquals(2, CollectorMetrics.value(metrics.droppedNotService));
        assertEquals(2.0, metrics.eventsDropped.labelValues("not_service").get(), "ctflow_events_dropped_total{reason=\"not_service\"}");
    }

    @Test
    void markersAndEventsOfTheReplayPathAreJudgedToo() throws Exception {
        filter.servicesRead(ServiceTrafficTest.TABLE);
        ConntrackEvent hb = Sink.markerEvent(EventType.HEARTBEAT, "n1", Instant.EPOCH, 3);
        assertTrue(filter.keeps(hb));
        assertTrue(filter.keeps(Sink.markerEvent(EventType.GAP, "n1", Instant.EPOCH, 3)));
        assertFalse(filter.keeps(ConntrackLineParser.parse(POD_TO_POD, "n1", Instant.EPOCH, 1, false)));
        assertEquals(1, CollectorMetrics.value(metrics.droppedNotService));
    }

    @Test
    void offKeepsEverythingWhateverTheTable() throws Exception {
        OnlyServices.OFF.servicesRead(ServiceTrafficTest.TABLE);
        assertFalse(OnlyServices.OFF.on());
        assertNull(OnlyServices.OFF.table());
        assertTrue(OnlyServices.OFF.keeps(ServiceTrafficTest.parse(POD_TO_POD)));
    }
}
