package io.ctflow.cli.onlyservices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.replay.Replayer;
import io.ctflow.testing.Captures;
import io.ctflow.testing.ExpectedResults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --only-services} changes nothing the streams app finds: each shipped capture, with traffic
 * no Service touches added on both nodes, replayed with the filter through the app's own topology
 * gives exactly the records the capture alone gives; without the filter the added traffic shows.
 */
class OnlyServicesResultsTest {
    /** Lines no Service of the captures' tables touches; TIME is the node's last event time, ID a unique id. */
    static final List<String> NOT_SERVICES = List.of(
            // a pod's egress to the internet, masqueraded, never answered: the app judges every NATed entry
            "[TIME]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.244.1.2 dst=93.184.216.34 sport=51000 dport=443 "
                    + "[UNREPLIED] src=93.184.216.34 dst=10.0.12.12 sport=443 dport=51000 id=ID1",
            // pod to pod at a port no Service maps to
            "[TIME]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.244.1.2 dst=10.244.2.2 sport=51001 dport=9090 "
                    + "[UNREPLIED] src=10.244.2.2 dst=10.244.1.2 sport=9090 dport=51001 id=ID2",
            // TCP at the address and port of kube-dns's UDP endpoint
            "[TIME]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.244.1.2 dst=10.244.1.3 sport=51002 dport=5353 "
                    + "[UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=5353 dport=51002 id=ID3",
            "[TIME]\t    [NEW] icmp     1 30 src=10.244.1.2 dst=10.244.2.2 type=8 code=0 id=77 [UNREPLIED] "
                    + "src=10.244.2.2 dst=10.244.1.2 type=0 code=0 id=77 id=ID4",
            "[TIME]\t    [NEW] ipv4     2 udp      17 30 src=10.0.12.12 dst=10.0.12.14 sport=123 dport=123 "
                    + "[UNREPLIED] src=10.0.12.14 dst=10.0.12.12 sport=123 dport=123 id=ID5",
            "[TIME]\t    [NEW] ipv6     10 tcp      6 120 SYN_SENT src=fd00:1::2 dst=fd00:2::2 sport=51003 dport=22 "
                    + "[UNREPLIED] src=fd00:2::2 dst=fd00:1::2 sport=22 dport=51003 id=ID6");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"bridge-on", "bridge-off", "bridge-off-nft", "hairpin"})
    void theAppFindsTheSameWithNonServiceTrafficFilteredOut(String scenario) throws Exception {
        Path shipped = Captures.scenario(scenario);
        Path mixed = withNonServiceTraffic(shipped, tmp.resolve(scenario));

        Run plain = replay(shipped, false);
        Run filtered = replay(mixed, true);

        assertEquals(ExpectedResults.of(scenario).anomalyKeys(), keys(plain.anomalies),
                "the baseline is the capture's expected anomalies");
        assertFalse(plain.stats.isEmpty());
        assertEquals(plain.anomalies, filtered.anomalies, "every anomaly, every field");
        assertEquals(plain.stats, filtered.stats, "every Service-stats record, every field");
        assertEquals(2L * NOT_SERVICES.size(), filtered.result.notServices(), "the added lines of both nodes, and nothing else");
        assertEquals(plain.result.events(), filtered.result.events());
        assertNull(plain.result.notServices());
    }

    @Test
    void withoutTheFilterTheAddedTrafficReachesTheApp() throws Exception {
        Path mixed = withNonServiceTraffic(Captures.scenario("bridge-on"), tmp.resolve("bridge-on"));
        Run unfiltered = replay(mixed, false);
        Run plain = replay(Captures.scenario("bridge-on"), false);
        assertEquals(plain.result.events() + 2L * NOT_SERVICES.size(), unfiltered.result.events());
        assertEquals(plain.stats, unfiltered.stats);
        // the masqueraded egress (the same tuple on both nodes) is judged: the comparison above can fail
        List<String> added = new ArrayList<>(keys(unfiltered.anomalies));
        added.removeAll(keys(plain.anomalies));
        assertEquals(List.of("tcp,93.184.216.34:443,10.0.12.12:51000@node1", "tcp,93.184.216.34:443,10.0.12.12:51000@node2"),
                added.stream().sorted().toList());
        assertTrue(keys(unfiltered.anomalies).containsAll(keys(plain.anomalies)));
    }

    private static List<String> keys(List<String> records) {
        return records.stream().map(l -> l.substring(0, l.indexOf('='))).toList();
    }

    private record Run(Replayer.Result result, List<String> anomalies, List<String> stats) {}

    private static Run replay(Path capture, boolean onlyServices) throws Exception {
        try (TopologySink app = new TopologySink()) {
            Replayer.Result r = Replayer.replay(Capture.open(capture), app, Replayer.Options.defaults().withOnlyServices(onlyServices));
            return new Run(r, app.anomalies(), app.serviceStats());
        }
    }

    /** A copy of {@code capture} whose events files end with {@link #NOT_SERVICES} at the node's last event time. */
    static Path withNonServiceTraffic(Path capture, Path copy) throws IOException {
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(capture)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        int node = 0;
        for (String name : List.of("events-node1.txt", "events-node2.txt")) {
            node++;
            List<String> lines = new ArrayList<>(Files.readAllLines(copy.resolve(name)).stream().filter(l -> !l.isBlank()).toList());
            String last = lines.get(lines.size() - 1);
            String time = last.substring(1, last.indexOf(']'));
            for (int i = 0; i < NOT_SERVICES.size(); i++) {
                lines.add(NOT_SERVICES.get(i).replace("TIME", time).replace("id=ID" + (i + 1), "id=" + (900_000 + node * 100 + i)));
            }
            Files.write(copy.resolve(name), lines);
        }
        return copy;
    }
}
