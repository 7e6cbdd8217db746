package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LossLineTest {
    static final String LINE = "[1795711825.940389] lost events (ENOBUFS)";

    @Test
    void aLossLineIsAGapMarkerWithItsTimeNodeAndTheLastSequence() throws Exception {
        assertTrue(LossLine.isLossLine(LINE));
        ConntrackEvent e = LossLine.parse(LINE, "node7", 41, false);
        assertEquals(EventType.GAP, e.getType());
        assertEquals("node7", e.getNode());
        assertEquals(Instant.ofEpochSecond(1795711825, 940_389_000), e.getTimestamp());
        assertEquals(41, e.getSequence());
        assertNull(e.getOriginal());
        assertNull(e.getReply());
        assertNull(e.getRaw());
        assertEquals(LINE, LossLine.parse(LINE, "n", 0, true).getRaw());
    }

    @Test
    void formatWritesWhatParseReads() throws Exception {
        Instant t = Instant.ofEpochSecond(1700000000, 5_123_000);
        String line = LossLine.format(t, "conntrack -E ended, exit code 1: Operation failed (No buffer space available)\nmore");
        assertEquals("[1700000000.005123] lost events (conntrack -E ended, exit code 1: Operation failed (No buffer space available) more)",
                line);
        assertEquals(t, LossLine.parse(line, "n", 1, false).getTimestamp());
        assertEquals("[1700000000.000000] lost events (unknown)", LossLine.format(Instant.ofEpochSecond(1700000000), " "));
    }

    @Test
    void conntrackPaddingAndSurroundingSpaceAreAccepted() throws Exception {
        // conntrack's own "[%-8ld.%-6ld]": tv_usec unpadded, as the event lines have it
        ConntrackEvent e = LossLine.parse("  [100.5123  ]\tlost events  (ENOBUFS)  ", "n", 0, false);
        assertEquals(Instant.ofEpochSecond(100, 5_123_000), e.getTimestamp());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[1795711669.996532]\t    [NEW] ipv4     2 tcp      6 6 SYN_SENT src=10.244.1.2 dst=10.96.0.10 sport=49502 dport=80",
        "ipv4     2 tcp      6 431999 ESTABLISHED src=10.244.1.2 dst=10.96.0.10 sport=39000 dport=80",
        "WARNING: We have hit ENOBUFS! We are losing events.",
        "[1795711669.996532] [NEW] lost events",
        "",
        "[unclosed lost events (x)"})
    void otherLinesAreNotLossLines(String line) {
        assertFalse(LossLine.isLossLine(line));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "lost events (ENOBUFS)",
        "[abc] lost events (ENOBUFS)",
        "[1795711825.940389] lost events",
        "[1795711825.940389] lost events ()",
        "[1795711825.940389] lost events (ENOBUFS) and more",
        "[1795711825.940389] lost events(ENOBUFS)",
        "[1795711825.940389] lost eventsX (ENOBUFS)",
        "[1795711825.940389] lost events ENOBUFS"})
    void aMalformedLossLineIsAParseException(String line) {
        assertTrue(LossLine.isLossLine(line), line);
        ParseException e = assertThrows(ParseException.class, () -> LossLine.parse(line, "n", 0, false));
        assertTrue(e.reason().contains("loss line") || e.reason().startsWith("bad timestamp"), e.reason());
    }
}
