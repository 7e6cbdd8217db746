package io.ctflow.collector.live;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.testing.FakeConntrack;
import io.ctflow.testing.Captures;
import io.ctflow.testing.Poll;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code collect --only-services} on the real collector path (conntrack -E and -L, Services read
 * from {@code iptables-save -t nat}, parse, filter, sink): node1 of the bridge-off capture, with
 * its kernel events and iptables rules, plus traffic no Service touches mixed in.
 */
class OnlyServicesCollectorTest extends FakeConntrackTestBase {
    /** Lines of node1 no Service of its table touches. */
    static final List<String> NOT_SERVICES = List.of(
            // a pod's egress to the internet, masqueraded (SNAT only)
            "[1795711670.100000]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.244.1.2 dst=93.184.216.34 sport=51000 dport=443 "
                    + "[UNREPLIED] src=93.184.216.34 dst=10.0.12.12 sport=443 dport=51000 id=900001",
            // pod to pod at a port no Service maps to (b serves web at 8080)
            "[1795711670.200000]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.244.1.2 dst=10.244.1.3 sport=51001 dport=9090 "
                    + "[UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=9090 dport=51001 id=900002",
            // TCP to the address and port of kube-dns's UDP endpoint
            "[1795711670.300000]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.244.1.2 dst=10.244.1.3 sport=51002 dport=5353 "
                    + "[UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=5353 dport=51002 id=900003",
            // a ping
            "[1795711670.400000]\t    [NEW] icmp     1 30 src=10.244.1.2 dst=10.244.2.2 type=8 code=0 id=77 [UNREPLIED] "
                    + "src=10.244.2.2 dst=10.244.1.2 type=0 code=0 id=77 id=900004",
            // the node's NTP
            "[1795711670.500000]\t    [NEW] ipv4     2 udp      17 30 src=10.0.12.12 dst=10.0.12.14 sport=123 dport=123 "
                    + "[UNREPLIED] src=10.0.12.14 dst=10.0.12.12 sport=123 dport=123 id=900005",
            // IPv6 between pods
            "[1795711670.600000]\t    [NEW] ipv6     10 tcp      6 120 SYN_SENT src=fd00:1::2 dst=fd00:2::2 sport=51003 dport=22 "
                    + "[UNREPLIED] src=fd00:2::2 dst=fd00:1::2 sport=22 dport=51003 id=900006");
    /** A NodePort at a node address iptables mode lists nowhere: DNATed to web's endpoint, so kept. */
    static final String NODE_PORT = "[1795711670.700000]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=192.0.2.7 dst=10.0.12.12 "
            + "sport=51004 dport=30080 [UNREPLIED] src=10.244.1.3 dst=192.0.2.7 sport=8080 dport=51004 id=900007";
    static final String SNAP_NOT_SERVICE = "ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.12.12 dst=10.0.12.14 sport=39001 dport=10250 "
            + "src=10.0.12.14 dst=10.0.12.12 sport=10250 dport=39001 [ASSURED] mark=0 use=1 id=900008";

    OnlyServicesCollectorTest() {
        super(Duration.ofMillis(100));
    }

    @Test
    void sendsTheCapturesServiceTrafficAndDropsTheRestCounted() throws Exception {
        Path capture = Captures.scenario("bridge-off");
        List<String> kernel = lines(capture.resolve("events-node1.txt"));
        List<String> events = new ArrayList<>(kernel);
        events.addAll(2, NOT_SERVICES); // amid the capture's own lines
        events.add(4, NODE_PORT);
        FakeConntrack fake = fakeNode(events, Files.readString(capture.resolve("nat-node1.txt")));

        LiveCollector c = new LiveCollector(options(fake, true), sink, null, metrics);
        Future<LiveCollector.Summary> run = pool.submit(c::run);
        int sent = kernel.size() + 1;
        Poll.until(WAIT, () -> sink.events(e -> e.getType() != EventType.SNAPSHOT).size() == sent && count(EventType.SNAPSHOT) == 2
                && CollectorMetrics.value(metrics.droppedNotService) == NOT_SERVICES.size() + 1, () -> sink.all().toString());
        c.stop();
        LiveCollector.Summary s = run.get(10, TimeUnit.SECONDS);

        List<String> expected = new ArrayList<>(kernel);
        expected.add(2, NODE_PORT);
        assertEquals(expected, raw(sink.events(e -> e.getType() != EventType.SNAPSHOT)),
                "the capture's lines (every one a Service's) and the NodePort, in order; nothing else");
        assertEquals(List.of(FakeConntrack.SNAP_1, FakeConntrack.SNAP_2), raw(sink.events(e -> e.getType() == EventType.SNAPSHOT)),
                "the snapshot's Service entries; the kubelet connection is dropped");
        assertEquals(NOT_SERVICES.size() + 1, s.droppedNotService());
        assertEquals(NOT_SERVICES.size() + kernel.size() + 1, s.eventsRead(), "dropped lines were read");
        assertEquals(2, s.snapshotEvents(), "snapshot entries sent");
        assertEquals(0, s.deadLetters());
        List<Long> seqs = sink.of(ConntrackEvent.class).stream().map(ConntrackEvent::getSequence).sorted().toList();
        for (int i = 0; i < seqs.size(); i++) {
            assertEquals(i + 1, seqs.get(i), "a dropped line takes no sequence number");
        }
        // the Services read are the ones the filter used, and they are still published
        List<String> ids = sink.of(ServiceEntry.class).stream().map(ServiceEntry::getId).sorted().toList();
        assertEquals(List.of("default/api:http", "default/legacy:http", "default/web:http", "kube-system/kube-dns:dns"), ids);
    }

    @Test
    void dropsNothingWhenOffOrWhenNoServicesTableCanBeRead() throws Exception {
        Path capture = Captures.scenario("bridge-off");
        List<String> events = new ArrayList<>(lines(capture.resolve("events-node1.txt")));
        events.addAll(NOT_SERVICES);
        for (boolean on : new boolean[] {false, true}) {
            Path dir = Files.createDirectories(tmp.resolve(on ? "unreadable" : "off"));
            FakeConntrack fake = fakeNode(dir, events, on ? null : Files.readString(capture.resolve("nat-node1.txt")));
            CollectorMetrics m = new CollectorMetrics();
            io.ctflow.collector.testing.RecordingSink out = new io.ctflow.collector.testing.RecordingSink(3);
            LiveCollector c = new LiveCollector(options(fake, on), out, null, m);
            Future<LiveCollector.Summary> run = pool.submit(c::run);
            Poll.until(WAIT, () -> out.events(e -> e.getType() != EventType.SNAPSHOT).size() == events.size()
                    && out.events(e -> e.getType() == EventType.SNAPSHOT).size() == 3, () -> out.all().toString());
            c.stop();
            LiveCollector.Summary s = run.get(10, TimeUnit.SECONDS);
            assertEquals(events, raw(out.events(e -> e.getType() != EventType.SNAPSHOT)), on ? "no table read" : "off");
            assertEquals(0, s.droppedNotService());
        }
    }

    private FakeConntrack fakeNode(List<String> events, String nat) throws IOException {
        return fakeNode(tmp, events, nat);
    }

    /** conntrack printing {@code events}, iptables-save printing {@code nat} (null: failing, as without permission). */
    private static FakeConntrack fakeNode(Path dir, List<String> events, String nat) throws IOException {
        FakeConntrack fake = FakeConntrack.create(dir, "run");
        Files.writeString(dir.resolve("events.txt"), String.join("\n", events) + "\n");
        Files.writeString(dir.resolve("snapshot.txt"), FakeConntrack.SNAP_1 + "\n" + SNAP_NOT_SERVICE + "\n" + FakeConntrack.SNAP_2 + "\n");
        if (nat != null) {
            Files.writeString(dir.resolve("nat.txt"), nat);
        }
        // iptables-save -t nat prints the node's rules; -t filter (and ip6tables-save) nothing
        script(dir.resolve("iptables-save"), nat == null
                ? "echo 'iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)' >&2; exit 4"
                : "[ \"$2\" = nat ] && cat \"$(dirname \"$0\")/nat.txt\"; exit 0");
        script(dir.resolve("ip6tables-save"), "exit 0");
        return fake;
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/bash\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private LiveOptions options(FakeConntrack fake, boolean onlyServices) {
        // the fake tools first on the search path; iptables mode, so no real nft or IPVS table is read
        return options(fake).searchPath(fake.dir() + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"))
                .servicesFrom(ServicesMode.IPTABLES).keepRaw(true).onlyServices(onlyServices);
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
    }

    private static List<String> raw(List<ConntrackEvent> events) {
        return events.stream().map(ConntrackEvent::getRaw).toList();
    }
}
