package io.ctflow.collector.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ctflow.avro.EventType;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.testing.Poll;
import io.ctflow.collector.testing.RecordingLauncher;
import io.ctflow.collector.testing.RecordingSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real conntrack killed under the live collector, in a network namespace this test creates
 * (and deletes): one GAP, one restart, one fresh snapshot, and the new conntrack -E joins the
 * event groups again. Runs as root with ip and conntrack; otherwise skipped with the reason.
 */
class ConntrackKillIT {
    final String ns = "ctft-" + ProcessHandle.current().pid() + "-kill";

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aKilledConntrackIsRestartedWithOneGapAndOneSnapshot() throws Exception {
        NodeAccess host = new NodeAccess(null, null);
        assumeTrue("0".equals(host.run(List.of("id", "-u"), Duration.ofSeconds(5)).stdout().strip()),
                "skipped: needs root (network namespaces, conntrack netlink)");
        assumeTrue(host.find("ip") != null && host.find("conntrack") != null,
                "skipped: needs ip and conntrack (apt-get install iproute2 conntrack)");
        assertEquals(0, host.run(host.command("ip", "netns", "add", ns), Duration.ofSeconds(10)).exitCode(), "ip netns add " + ns);
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            RecordingSink sink = new RecordingSink(3);
            RecordingLauncher launcher = new RecordingLauncher();
            CollectorMetrics metrics = new CollectorMetrics();
            LiveOptions o = new LiveOptions().node("n1").netns(ns).restartBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                    .heartbeat(Duration.ofHours(1)).statsInterval(Duration.ofHours(1)).factsInterval(Duration.ofHours(1));
            LiveCollector c = new LiveCollector(o, sink, null, metrics, org.apache.kafka.common.utils.Time.SYSTEM, launcher);
            Future<LiveCollector.Summary> run = pool.submit(c::run);
            assertTrue(c.awaitStarted(Duration.ofSeconds(20)), "started: " + c.fatalError());
            assertEquals(1, CollectorMetrics.value(metrics.snapshots), "the first snapshot");
            Process first = launcher.last("-E");

            first.toHandle().destroyForcibly(); // kill -9
            Poll.until(Duration.ofSeconds(20), () -> c.restarts() == 1 && CollectorMetrics.value(metrics.snapshots) == 2
                    && launcher.last("-E") != first && launcher.last("-E").isAlive()
                    && EventStream.subscribed(launcher.last("-E").pid()),
                    () -> "restarts " + c.restarts() + ", snapshots " + CollectorMetrics.value(metrics.snapshots));
            c.stop();
            run.get(20, TimeUnit.SECONDS);
            assertEquals(1, sink.markers(EventType.GAP).size());
            assertEquals(1, c.lostEvents());
            assertEquals(2, launcher.commands().stream().filter(cmd -> cmd.contains("-L")).count(), "one snapshot after the restart");
        } finally {
            pool.shutdownNow();
            host.run(host.command("ip", "netns", "del", ns), Duration.ofSeconds(10));
        }
    }
}
