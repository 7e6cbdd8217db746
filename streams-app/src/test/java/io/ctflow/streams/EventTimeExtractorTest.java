package io.ctflow.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.ParseException;
import io.ctflow.streams.metrics.ResultsObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Event time is the kernel's, bounded by the broker's append time plus events.max-clock-ahead. */
class EventTimeExtractorTest {
    static final long APPENDED = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
    static final Duration MAX_AHEAD = Duration.ofMinutes(1);

    final List<String> counted = new ArrayList<>();
    final EventTimeExtractor extractor = new EventTimeExtractor(MAX_AHEAD, new ResultsObserver() {
        @Override
        public void eventAhead(String node, long aheadMillis) {
            counted.add(node + " " + aheadMillis);
        }
    });

    @Test
    void anEventStampedBeforeItsAppendIsItsKernelTime() {
        ConntrackEvent e = event(APPENDED - 1_500);
        assertEquals(APPENDED - 1_500, extract(e, TimestampType.LOG_APPEND_TIME));
        assertEquals(Instant.ofEpochMilli(APPENDED - 1_500).plusNanos(123_000), e.getTimestamp(), "microseconds kept");
        assertEquals(List.of(), counted);
    }

    @Test
    void anEventAheadOfTheBrokerByAtMostTheBoundKeepsItsTime() {
        ConntrackEvent e = event(APPENDED + 60_000);
        assertEquals(APPENDED + 60_000, extract(e, TimestampType.LOG_APPEND_TIME));
        assertEquals(List.of(), counted);
    }

    @Test
    void anEventFurtherAheadIsBoundedInTheEventItselfAndCountedForItsNode() {
        ConntrackEvent e = event(APPENDED + Duration.ofHours(2).toMillis());
        assertEquals(APPENDED + 60_000, extract(e, TimestampType.LOG_APPEND_TIME));
        assertEquals(Instant.ofEpochMilli(APPENDED + 60_000), e.getTimestamp(), "what the flow join and the metrics read");
        assertEquals(List.of("node7 " + Duration.ofHours(2).toMillis()), counted);
    }

    @Test
    void aRecordWithoutTimestampBoundsNothing() {
        ConntrackEvent e = event(APPENDED + Duration.ofHours(2).toMillis());
        assertEquals(APPENDED + Duration.ofHours(2).toMillis(),
                extractor.extract(record(e, -1, TimestampType.NO_TIMESTAMP_TYPE), 0L));
        assertEquals(List.of(), counted);
    }

    @Test
    void otherRecordsKeepTheirOwnTimestampOrThePartitionsTime() {
        assertEquals(APPENDED, extractor.extract(record("not an event", APPENDED, TimestampType.LOG_APPEND_TIME), 5L));
        assertEquals(5L, extractor.extract(record("not an event", -1, TimestampType.NO_TIMESTAMP_TYPE), 5L));
    }

    @Test
    void aNodesClockIsLoggedAtItsFirstBoundedEventThenEveryTenMinutes() {
        assertTrue(extractor.warnNow("node7", 0));
        assertFalse(extractor.warnNow("node7", EventTimeExtractor.WARN_EVERY.toMillis() - 1));
        assertTrue(extractor.warnNow("node8", 1), "another node: its own first time");
        assertTrue(extractor.warnNow("node7", EventTimeExtractor.WARN_EVERY.toMillis()));
        assertFalse(extractor.warnNow("node7", EventTimeExtractor.WARN_EVERY.toMillis() + 1));
    }

    private long extract(ConntrackEvent e, TimestampType type) {
        return extractor.extract(record(e, APPENDED, type), 0L);
    }

    /** A NEW stamped {@code millis} and 123 microseconds by node7's kernel. */
    static ConntrackEvent event(long millis) {
        String line = String.format("[%d.%06d]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.244.1.2 dst=10.96.0.10 sport=41000 dport=80 "
                + "[UNREPLIED] src=10.244.2.9 dst=10.244.1.2 sport=8080 dport=41000 id=7", millis / 1000, millis % 1000 * 1000 + 123);
        try {
            return ConntrackLineParser.parse(line, "node7", Instant.EPOCH, 1, false);
        } catch (ParseException ex) {
            throw new AssertionError(ex);
        }
    }

    static ConsumerRecord<Object, Object> record(Object value, long timestamp, TimestampType type) {
        return new ConsumerRecord<>("ctflow.events", 0, 0L, timestamp, type, -1, -1, null, value, new RecordHeaders(), Optional.empty());
    }
}
