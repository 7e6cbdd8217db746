package io.ctflow.collector.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.testing.FakeConntrack;
import io.ctflow.collector.testing.RecordingSink;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LinePublisherTest {
    @Test
    void eventsGetTheNextSequenceAndBadLinesBecomeDeadLettersCountedInTheMetrics() {
        RecordingSink sink = new RecordingSink(1);
        CollectorMetrics metrics = new CollectorMetrics();
        LinePublisher lines = new LinePublisher("n1", false, sink, metrics);
        assertTrue(lines.publish(FakeConntrack.EVENT_1, "conntrack -E", 1, Instant.EPOCH));
        assertFalse(lines.publish(FakeConntrack.GARBAGE, "conntrack -E", 2, Instant.EPOCH));
        assertTrue(lines.publish(FakeConntrack.SNAP_1, "conntrack -L", 1, Instant.EPOCH));
        assertEquals(2, lines.sequence());
        assertEquals(1, CollectorMetrics.value(metrics.deadLetters));
        assertEquals(java.util.List.of(1L, 2L), sink.of(ConntrackEvent.class).stream().map(ConntrackEvent::getSequence).toList());
        DeadLetter d = sink.of(DeadLetter.class).get(0);
        assertEquals(2, d.getPosition());
        assertEquals("conntrack -E", d.getSource());
    }
}
