package io.ctflow.collector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeStats;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.testing.FakeConntrack;
import io.ctflow.testing.Captures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Exit codes and one-line messages of collect / record / replay, and record's capture output. */
class CollectorCommandsTest {
    @TempDir
    Path tmp;

    static ParseCommandTest.Run run(String... args) {
        return ParseCommandTest.run(args);
    }

    @Test
    void collectWithoutConntrackSaysHowToInstallIt() {
        ParseCommandTest.Run r = run("collect", "--conntrack", "/nonexistent/conntrack", "--metrics-port", "0");
        assertEquals(1, r.code());
        assertEquals("ctflow collect: conntrack not found: install conntrack-tools (apt-get install conntrack)\n", r.err());
    }

    @Test
    void recordWithoutPermissionSaysSo() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "run");
        fake.deny();
        ParseCommandTest.Run r = run("record", "--conntrack", fake.path(), "--out", tmp.resolve("cap").toString(), "--node", "n1");
        assertEquals(1, r.code());
        assertEquals("ctflow record: conntrack: Operation not permitted: run the collector as root or with CAP_NET_ADMIN\n", r.err());
    }

    @Test
    void collectWithKafkaUnreachableIsOneLine() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "run");
        ParseCommandTest.Run r = run("collect", "--conntrack", fake.path(), "--metrics-port", "0", "--node", "n1",
                "--bootstrap-servers", "127.0.0.1:1", "--set", "connect.timeout=2s");
        assertEquals(1, r.code());
        assertEquals("ctflow collect: Kafka unreachable at 127.0.0.1:1 (no answer within 2 s; check --bootstrap-servers and security settings)\n",
                r.err());
    }

    @Test
    void replayWithKafkaUnreachableIsOneLine() {
        ParseCommandTest.Run r = run("replay", "--bootstrap-servers", "127.0.0.1:1", "--set", "connect.timeout=1s",
                Captures.scenario("hairpin").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("ctflow replay: Kafka unreachable at 127.0.0.1:1"), r.err());
        assertEquals(1, r.err().lines().count());
    }

    @Test
    void missingNetnsIsOneLine() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "run");
        ParseCommandTest.Run r = run("record", "--conntrack", fake.path(), "--netns", "ctft-none-" + ProcessHandle.current().pid(),
                "--out", tmp.resolve("cap").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().matches("ctflow record: network namespace 'ctft-none-\\d+' not found \\(ip netns list shows the names\\)\n"), r.err());
    }

    @Test
    void badDurationAndCidrAreUserErrors() throws Exception {
        ParseCommandTest.Run r = run("record", "--out", tmp.toString(), "--duration", "soon");
        assertEquals(2, r.code());
        assertEquals("ctflow record: bad setting duration=soon (from --duration): not a duration; "
                + "allowed: a duration like 500ms, 3s, 2m, 1h, at least 1ms\n", r.err());
        FakeConntrack fake = FakeConntrack.create(tmp, "run");
        r = run("record", "--conntrack", fake.path(), "--out", tmp.resolve("c").toString(), "--pod-cidr", "10.0.0.0/99");
        assertEquals(2, r.code());
        assertEquals("ctflow record: --pod-cidr: expected a CIDR like 10.244.1.0/24, got '10.0.0.0/99'\n", r.err());
    }

    @Test
    void recordWritesTheCaptureFormat() throws Exception {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        FakeConntrack fake = FakeConntrack.create(bin, "run");
        Path out = tmp.resolve("capture");
        ParseCommandTest.Run r = run("record", "--conntrack", fake.path(), "--out", out.toString(), "--node", "n1",
                "--duration", "1s", "--pod-cidr", "10.244.1.0/24");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("3 event lines (1 unparsable, 0 losses) for node n1"), r.out() + "/" + r.err());
        assertEquals(List.of(FakeConntrack.EVENT_1, FakeConntrack.EVENT_2, FakeConntrack.GARBAGE),
                Files.readAllLines(out.resolve("events-n1.txt")));
        assertEquals(FakeConntrack.STATS, Files.readString(out.resolve("stats-before-n1.txt")));
        assertEquals(FakeConntrack.STATS, Files.readString(out.resolve("stats-after-n1.txt")));
        assertEquals("3\n", Files.readString(out.resolve("count-before-n1.txt")));
        assertEquals("3\n", Files.readString(out.resolve("count-after-n1.txt")));
        String facts = Files.readString(out.resolve("facts-n1.txt"));
        assertTrue(facts.startsWith("node=n1\n"), facts);
        assertTrue(facts.contains("pod_cidr=10.244.1.0/24\n"), facts);

        // and it reads back as a capture
        Capture c = Capture.open(out);
        assertEquals(List.of("n1"), c.nodes());
        List<ConntrackEvent> events = c.nodeEvents("n1");
        assertEquals(2, events.size());
        assertEquals(1, c.facts().size());
        assertEquals(2, c.stats().size());
        assertEquals(List.of(3L, 3L), c.stats().stream().map(NodeStats::getCount).toList());
    }

    @ParameterizedTest
    @CsvSource({"warn, ENOBUFS", "enobufs, 'conntrack -E ended, exit code 1: conntrack v1.4.7 (conntrack-tools): Operation failed: No buffer space available'"})
    void recordWritesALossLineWhenConntrackLosesEvents(String mode, String reason) throws Exception {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        FakeConntrack fake = FakeConntrack.create(bin, mode, "run");
        Path out = tmp.resolve("capture");
        Instant before = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ParseCommandTest.Run r = run("record", "--conntrack", fake.path(), "--out", out.toString(), "--node", "n1", "--duration", "1s");
        Instant after = Instant.now();
        assertEquals(0, r.code(), r.err());
        // after an exit conntrack may have been restarted (and printed its lines again) within the second
        assertTrue(r.out().matches("(?s).* [36] event lines \\([12] unparsable, 1 losses\\) for node n1\n"), r.out() + "/" + r.err());

        List<String> lines = Files.readAllLines(out.resolve("events-n1.txt"));
        List<String> loss = lines.stream().filter(l -> l.contains("lost events")).toList();
        assertEquals(1, loss.size(), lines.toString());
        assertTrue(loss.get(0).matches("\\[\\d+\\.\\d{6}] lost events \\(\\Q" + reason + "\\E\\)"), loss.get(0));
        List<String> others = new ArrayList<>(lines);
        others.removeAll(loss);
        assertTrue(others.subList(0, 3).equals(List.of(FakeConntrack.EVENT_1, FakeConntrack.EVENT_2, FakeConntrack.GARBAGE)),
                lines.toString());

        // read back: the GAP marker the live run sent, at the time it was noticed
        List<ConntrackEvent> gaps = Capture.open(out).nodeEvents("n1").stream().filter(e -> e.getType() == EventType.GAP).toList();
        assertEquals(1, gaps.size());
        assertEquals("n1", gaps.get(0).getNode());
        Instant t = gaps.get(0).getTimestamp();
        assertTrue(!t.isBefore(before) && !t.isAfter(after), t + " not in [" + before + ", " + after + "]");
    }

    @Test
    void recordRefusesToOverwriteACapture() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "run");
        Path out = Files.createDirectory(tmp.resolve("cap"));
        Files.writeString(out.resolve("events-n1.txt"), "x\n");
        ParseCommandTest.Run r = run("record", "--conntrack", fake.path(), "--out", out.toString(), "--node", "n1", "--duration", "1s");
        assertEquals(2, r.code());
        assertEquals("ctflow record: " + out.resolve("events-n1.txt") + " already exists; record into a new directory\n", r.err());
    }
}
