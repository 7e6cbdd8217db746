package io.ctflow.streams;

import static io.ctflow.streams.FlowRulesTest.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ctflow.avro.AnomalyType;
import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.flow.FlowKey;
import io.ctflow.testing.Poll;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * STALE_ENDPOINT and conntrack zones on this machine's kernel, inside one network namespace this test
 * creates (and deletes): a client 10.244.1.2 sends a UDP datagram every 100 ms to the "Service"
 * 10.96.0.40:9999, DNATed (nat OUTPUT) to the "pod" 10.244.2.9 (all addresses on the namespace's lo).
 * The DNAT rule then moves to 10.244.2.10, as kube-proxy does when the pod is replaced, while the
 * traffic goes on: the kernel keeps the entry, and the datagrams keep reaching the removed pod. The
 * conntrack events go through the app's topology with the Services change; the STALE_ENDPOINT it
 * raises carries a {@code conntrack -D} command, which is run in the namespace and must move the
 * traffic to the new pod. Then {@code iptables -t raw ... -j CT --zone 7} puts the same tuple in zone
 * 7: a second connection, with a key of its own. Runs as root with ip, iptables, conntrack and
 * python3 (CI has them); otherwise skipped with the reason.
 */
class DataplaneKernelTest {
    static final long T0 = 1_700_000_000L;
    static final String TRAFFIC = """
            import socket, sys, threading, time
            out = open(sys.argv[1], "a", buffering=1)
            def serve(addr):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind((addr, 9999))
                while True:
                    d, a = s.recvfrom(100)
                    out.write(addr + "\\n")
                    s.sendto(d, a)
            for addr in ("10.244.2.9", "10.244.2.10"):
                threading.Thread(target=serve, args=(addr,), daemon=True).start()
            time.sleep(0.2)
            c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            c.bind(("10.244.1.2", 40000))
            c.settimeout(0.5)
            end = time.time() + 60
            while time.time() < end:
                c.sendto(b"x", ("10.96.0.40", 9999))
                try:
                    c.recvfrom(100)
                except socket.timeout:
                    pass
                time.sleep(0.1)
            """;

    final String ns = "ctfk-" + ProcessHandle.current().pid();
    final List<Process> processes = new ArrayList<>();
    boolean created;

    @TempDir
    Path tmp;

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        if (created) {
            run(List.of("ip", "netns", "del", ns), false);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aStaleUdpEntryIsRaisedWithACommandThatClearsItAndZonesSeparateConnections() throws Exception {
        assumeTrue("0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip()),
                "skipped: needs root (network namespaces, conntrack netlink)");
        for (String tool : List.of("ip", "iptables", "conntrack", "python3")) {
            assumeTrue(onPath(tool), "skipped: '" + tool + "' is not on the PATH (apt-get install iproute2 iptables conntrack python3)");
        }
        run(List.of("ip", "netns", "add", ns), true);
        created = true;
        inNs("ip link set lo up && ip addr add 10.244.1.2/32 dev lo && ip addr add 10.244.2.9/32 dev lo"
                + " && ip addr add 10.244.2.10/32 dev lo && ip route add 10.96.0.0/16 dev lo src 10.244.1.2"
                + " && iptables -t nat -A OUTPUT -d 10.96.0.40/32 -p udp --dport 9999 -j DNAT --to-destination 10.244.2.9:9999");
        Path events = tmp.resolve("events.txt");
        Path served = tmp.resolve("served.txt");
        start(List.of("ip", "netns", "exec", ns, "conntrack", "-E", "-p", "udp", "-o", "timestamp,id,extended"), events);
        // conntrack -E is listening once it shows a probe's entry
        Path probe = tmp.resolve("probe.py");
        Files.writeString(probe, "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.sendto(b'p',('127.0.0.1',7))\n");
        Poll.until(Duration.ofSeconds(10), () -> {
            inNs("python3 " + probe);
            return Files.readString(events).contains("dport=7 ");
        }, () -> "conntrack -E did not start: " + read(events));

        Files.writeString(tmp.resolve("traffic.py"), TRAFFIC);
        start(List.of("ip", "netns", "exec", ns, "python3", tmp.resolve("traffic.py").toString(), served.toString()), tmp.resolve("traffic.log"));
        Poll.until(Duration.ofSeconds(10), () -> count(served, "10.244.2.9") >= 3, () -> "traffic to the first pod: " + read(served));

        // the pod is replaced: the DNAT rule moves, the datagrams keep coming
        inNs("iptables -t nat -R OUTPUT 1 -d 10.96.0.40/32 -p udp --dport 9999 -j DNAT --to-destination 10.244.2.10:9999");
        int before = lines(served).size();
        Poll.until(Duration.ofSeconds(10), () -> lines(served).size() >= before + 5, () -> "traffic after the change: " + read(served));
        assertEquals(0, count(served, "10.244.2.10"), "the kernel keeps the entry: every datagram still reaches the removed pod");

        // the app: the Service as before, the node's events, the Service after the change
        try (TopologyFixture f = new TopologyFixture()) {
            f.facts(FlowRulesTest.facts("node1", "1", "10.244.1.1/24"));
            f.service(echo("10.244.2.9"));
            Instant last = Instant.EPOCH;
            for (String l : flowLines(events)) {
                last = f.line("node1", l).getTimestamp();
            }
            f.service(echo("10.244.2.10"));
            f.heartbeat("node1", last.plusSeconds(2));
            f.heartbeat("node1", last.plusSeconds(14));
            List<KeyValue<String, NatAnomaly>> out = f.anomalies();
            assertEquals(List.of("udp,10.244.2.9:9999,10.244.1.2:40000@node1|STALE_ENDPOINT"), out.stream().map(kv -> kv.key).toList());
            NatAnomaly a = out.get(0).value;
            assertEquals(AnomalyType.STALE_ENDPOINT, a.getType());
            String hint = a.getHint();
            String command = hint.substring(hint.indexOf("conntrack -D"), hint.indexOf(" (the entry"));
            assertEquals("conntrack -D -p udp --orig-dst 10.96.0.40 --dport 9999 --reply-src 10.244.2.9", command);

            // the hint's command clears the entry: the next datagram is NATed by the current rule
            inNs(command);
            Poll.until(Duration.ofSeconds(10), () -> count(served, "10.244.2.10") >= 2, () -> "traffic after conntrack -D: " + read(served));

            // zones: the same tuple in zone 7 is a second connection (both directions marked, so it is replied)
            inNs("iptables -t raw -A OUTPUT -s 10.244.1.2 -p udp --sport 40000 --dport 9999 -j CT --zone 7"
                    + " && iptables -t raw -A OUTPUT -d 10.244.1.2 -p udp --sport 9999 --dport 40000 -j CT --zone 7");
            Poll.until(Duration.ofSeconds(10), () -> flowLines(events).stream().anyMatch(l -> l.contains("[NEW]") && l.contains("zone=7")),
                    () -> "a NEW entry in zone 7: " + read(events));
            for (String l : flowLines(events)) {
                ConntrackEvent e = f.line("node1", l);
                last = e.getTimestamp().isAfter(last) ? e.getTimestamp() : last;
            }
            FlowKey zone0 = FlowKey.parse("udp,10.244.2.10:9999,10.244.1.2:40000");
            FlowKey zone7 = FlowKey.parse("udp,10.244.2.10:9999,10.244.1.2:40000,zone=7");
            assertNotNull(f.flowStore().get(zone0), "the zone-0 connection to the new pod");
            assertNotNull(f.flowStore().get(zone7), "the same tuple in zone 7, a connection of its own");
            assertTrue(flowLines(events).stream().anyMatch(l -> l.contains("zone=7") && l.contains("src=10.244.2.10")), read(events));
        }
    }

    static ServiceEntry echo(String endpoint) {
        ServiceEntry s = service("default/echo:udp", "10.96.0.40", 9999, Protocol.UDP, endpoint, 9999);
        s.setTimestamp(Instant.ofEpochSecond(T0));
        return s;
    }

    /** The client's entries as conntrack -E printed them (not the probe's or the replies' own). */
    static List<String> flowLines(Path events) throws IOException {
        return lines(events).stream().filter(l -> l.contains("src=10.244.1.2 dst=10.96.0.40 sport=40000")).toList();
    }

    static List<String> lines(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllLines(p, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList() : List.of();
    }

    static long count(Path p, String line) throws IOException {
        return lines(p).stream().filter(line::equals).count();
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "(none)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    void inNs(String script) throws Exception {
        run(List.of("ip", "netns", "exec", ns, "sh", "-c", script), true);
    }

    void start(List<String> command, Path output) throws IOException {
        processes.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start());
    }

    static void run(List<String> command, boolean check) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), String.join(" ", command));
        if (check && p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + ": exit " + p.exitValue() + ": " + out);
        }
    }

    static boolean onPath(String tool) {
        for (String dir : (System.getenv("PATH") + ":/usr/sbin:/sbin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
