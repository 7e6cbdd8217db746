package io.ctflow.cli.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.collector.capture.Capture;
import io.ctflow.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lab recorder's loss lines, with a stand-in for conntrack -E (no root needed). */
class ConntrackRecorderTest {
    static final String EVENT_1 = "[1700000000.100000]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.244.1.2 dst=10.96.0.10 "
            + "sport=40000 dport=80 [UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=40000 id=11";
    static final String EVENT_2 = "[1700000000.200000]\t [UPDATE] ipv4     2 tcp      6 60 SYN_RECV src=10.244.1.2 dst=10.96.0.10 "
            + "sport=40000 dport=80 src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=40000 id=11";

    @TempDir
    Path tmp;

    @Test
    void conntracksEnobufsWarningBecomesALossLineInTheEventsFile() throws Exception {
        Path file = tmp.resolve("events-node1.txt");
        // what conntrack -E prints when the netlink socket overflows: the warning on stderr, events go on
        String script = "echo '" + EVENT_1 + "'; "
                + "echo 'NOTICE: Netlink socket buffer size has been set to 8388608 bytes.' >&2; "
                + "echo 'WARNING: We have hit ENOBUFS! We are losing events.' >&2; "
                + "echo 'This message means that the current netlink socket buffer size is too small.' >&2; "
                + "echo 'Please, check --buffer-size in conntrack(8) manpage.' >&2; "
                + "sleep 0.3; echo '" + EVENT_2 + "'";
        AtomicLong losses = new AtomicLong();
        Instant before = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Background b = Background.start("fake conntrack", List.of("bash", "-c", script), file, ConntrackRecorder.lossLines(file, losses));
        Poll.until(Duration.ofSeconds(20), () -> !b.alive(), "the fake conntrack ends");
        b.stop(Duration.ofSeconds(1));
        Instant after = Instant.now();
        b.stderr(); // the drain has read everything once the process is gone

        assertEquals(1, losses.get());
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size(), lines.toString());
        assertEquals(EVENT_1, lines.get(0), "the line printed before the warning comes first");
        assertTrue(lines.contains(EVENT_2), "conntrack's later line is not overwritten: " + lines);
        String loss = lines.stream().filter(l -> l.contains("lost events")).findFirst().orElseThrow();
        assertTrue(loss.matches("\\[\\d+\\.\\d{6}] lost events \\(ENOBUFS\\)"), loss);

        List<ConntrackEvent> read = Capture.open(tmp).nodeEvents("node1");
        ConntrackEvent gap = read.stream().filter(e -> e.getType() == EventType.GAP).findFirst().orElseThrow();
        assertEquals("node1", gap.getNode());
        assertTrue(!gap.getTimestamp().isBefore(before) && !gap.getTimestamp().isAfter(after), gap.getTimestamp().toString());
    }

    @Test
    void otherStderrLinesWriteNothing() throws Exception {
        Path file = tmp.resolve("events-n.txt");
        AtomicLong losses = new AtomicLong();
        var receiver = ConntrackRecorder.lossLines(file, losses);
        receiver.accept("NOTICE: Netlink socket buffer size has been set to 8388608 bytes.");
        receiver.accept("conntrack v1.4.7 (conntrack-tools): 12 flow events have been shown.");
        // conntrack exits after this one: the lab reports the recorder's death instead
        receiver.accept("conntrack v1.4.7 (conntrack-tools): Operation failed: No buffer space available");
        assertEquals(0, losses.get());
        assertTrue(Files.notExists(file));
    }
}
