package io.ctflow.collector.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeStats;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.record.CaptureWriter;
import io.ctflow.collector.testing.FakeConntrack;
import io.ctflow.collector.testing.Poll;
import io.ctflow.collector.testing.RecordingSink;
import io.ctflow.process.Launcher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every process the live collector starts, seen through the {@link Launcher} seam during a run that
 * exercises all of its jobs (events, a restart, snapshots, stats, facts, Services, a capture): each
 * is an argument list of a read-only tool, and conntrack only ever lists, counts or listens.
 */
class CollectorProcessesTest {
    /** conntrack commands that change the table (conntrack(8)): create, update, delete, flush, load. */
    static final Set<String> CONNTRACK_WRITES = Set.of("-I", "--create", "-U", "--update", "-D", "--delete", "-F", "--flush",
            "-R", "--load-file");

    @TempDir
    Path tmp;

    final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
    }

    @Test
    void everyProcessIsAReadOnlyArgumentListAndConntrackIsNeverAskedToChangeTheTable() throws Exception {
        FakeConntrack fake = FakeConntrack.create(tmp, "exit", "run");
        RecordingSink sink = new RecordingSink(3);
        List<List<String>> started = new CopyOnWriteArrayList<>();
        LiveOptions o = new LiveOptions().node("n1").conntrack(fake.path()).waitForSubscription(false)
                .restartBackoff(Duration.ofMillis(50), Duration.ofMillis(50)).heartbeat(Duration.ofMillis(100))
                .statsInterval(Duration.ofMillis(100)).factsInterval(Duration.ofMillis(100)).recordProc(true);
        CaptureWriter capture = new CaptureWriter(tmp.resolve("capture"), "n1");
        try (AutoCloseable observing = Launcher.observe(started::add)) { // the production path: Launcher.SYSTEM
            LiveCollector c = new LiveCollector(o, sink, capture, new CollectorMetrics());
            Future<LiveCollector.Summary> run = pool.submit(c::run);
            Poll.until(Duration.ofSeconds(20), () -> fake.starts().size() == 2 && sink.markers(EventType.GAP).size() == 1
                    && sink.of(NodeStats.class).size() >= 2, () -> sink.all().toString());
            c.stop();
            run.get(10, TimeUnit.SECONDS);
        }
        capture.close();

        Set<String> conntrackArgs = new TreeSet<>();
        for (List<String> cmd : started) {
            List<String> argv = withoutNetns(cmd);
            String program = argv.get(0);
            assertTrue(program.startsWith("/"), "tools run by absolute path, found on the search path: " + cmd);
            String tool = Path.of(program).getFileName().toString();
            List<String> args = argv.subList(1, argv.size());
            if (program.equals(fake.path())) {
                args.stream().filter(CONNTRACK_WRITES::contains).findAny()
                        .ifPresent(a -> fail("conntrack asked to change the table (" + a + "): " + cmd));
                conntrackArgs.add(String.join(" ", args));
            } else {
                assertReadOnly(tool, args, cmd);
            }
        }
        assertEquals(new TreeSet<>(List.of("-C", "-E -o timestamp,id,extended -b 8388608", "-L -o extended,id", "-S")), conntrackArgs,
                "conntrack only counts, listens, lists and reports stats");
    }

    /** {@code ip netns exec NAME CMD...} runs CMD in the namespace: judge CMD. */
    static List<String> withoutNetns(List<String> cmd) {
        if (cmd.size() > 4 && cmd.get(0).endsWith("/ip") && cmd.get(1).equals("netns") && cmd.get(2).equals("exec")) {
            return cmd.subList(4, cmd.size());
        }
        return cmd;
    }

    static void assertReadOnly(String tool, List<String> args, List<String> cmd) {
        boolean ok = switch (tool) {
            case "ip" -> args.equals(List.of("-d", "-j", "addr", "show"))
                    || args.size() == 6 && args.get(0).equals("-n") && args.subList(2, 6).equals(List.of("-d", "-j", "addr", "show"));
            case "nft" -> args.size() == 5 && args.subList(0, 3).equals(List.of("-j", "list", "table"));
            case "ipvsadm" -> args.equals(List.of("-Ln"));
            case "iptables-save", "ip6tables-save" -> args.equals(List.of("-t", "nat"));
            case "grep" -> args.size() > 3 && args.subList(0, 3).equals(List.of("-s", "-H", "."))
                    && args.subList(3, args.size()).stream().allMatch(p -> p.startsWith("/proc/sys/") || p.startsWith("/sys/"));
            case "cat" -> args.size() == 1 && args.get(0).startsWith("/proc/net/");
            default -> false;
        };
        assertTrue(ok, "not a known read-only command: " + cmd);
    }
}
