package io.ctflow.cli.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ctflow.collector.replay.Speed;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.testing.Captures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streams app's state directory on a small tmpfs, mounted in a mount namespace of the test's
 * own (the host's mounts are not touched): read-only at start is one line and exit 2; full while
 * running is one line naming the directory and exit 1; restarted with room, the app restores its
 * committed state and gives the capture's results, each exactly once.
 */
class StateDirFaultIT {
    @Test
    @Timeout(420)
    void readOnlyAndFullStateDirectoriesAreOneLineAndTheStateSurvives(@TempDir Path tmp) throws Exception {
        assumeTrue("0".equals(uid()), "skipped: needs root (mounts a tmpfs in its own mount namespace); uid " + uid());
        assumeTrue(onPath("unshare") && onPath("nsenter") && onPath("mount"), "skipped: unshare, nsenter or mount missing (util-linux)");
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        Path state = mnt.resolve("state");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0);
             MountNamespace ns = MountNamespace.create()) {
            String bootstrap = kafka.bootstrapServers();
            StreamsApps.replay(Captures.scenario("bridge-off"), bootstrap, registry.url(), "disk.", Speed.MAX);
            String[] app = {"streams", "--bootstrap-servers", bootstrap, "--schema-registry-url", registry.url(),
                    "--application-id", "disk", "--state-dir", state.toString(), "--http-port", "0", "--set", "topic.prefix=disk."};

            ns.run("mount", "-t", "tmpfs", "-o", "ro,size=16m", "ctflow-test", mnt.toString());
            try (ChildJvm ro = ChildJvm.start(tmp.resolve("ro.log"), ns.prefix(), app)) {
                assertEquals(1, ro.awaitExit(Duration.ofSeconds(120)), ro.tail());
                assertEquals("ctflow streams: state directory " + state + " is not writable (Read-only file system); set --state-dir to a writable"
                        + " directory", lastLine(ro));
            }

            ns.run("mount", "-o", "remount,rw,size=" + FULL_SIZE, mnt.toString());
            try (ChildJvm full = ChildJvm.start(tmp.resolve("full.log"), ns.prefix(), app)) {
                assertEquals(1, full.awaitExit(Duration.ofSeconds(180)), full.tail());
                List<String> stopped = full.output().lines().filter(l -> l.startsWith("ctflow streams: stopped: ")).toList();
                assertEquals(1, stopped.size(), full.tail());
                String line = stopped.get(0);
                assertTrue(line.startsWith("ctflow streams: stopped: a state store in " + state + " failed ("), line);
                assertTrue(line.contains("No space left on device"), line);
            }

            ns.run("mount", "-o", "remount,size=64m", mnt.toString());
            try (ChildJvm again = ChildJvm.start(tmp.resolve("again.log"), ns.prefix(), app)) {
                again.awaitLine(l -> l.startsWith("ctflow streams: running"), Duration.ofSeconds(120));
                StreamsApps.awaitDone(bootstrap, "disk", "disk.", Duration.ofSeconds(3), Duration.ofSeconds(180));
                assertTrue(again.isAlive(), again.tail());
            }
            List<String> got = StreamsApps.outputs(bootstrap, registry.url(), "disk.");
            assertEquals(got.size(), new HashSet<>(got).size(), "a record seen twice: " + got);
            assertEquals(3, got.stream().filter(l -> l.startsWith("anomalies ")).count(), got.toString());
            assertEquals(9, got.stream().filter(l -> l.startsWith("service-stats ")).count(), got.toString());
        }
    }

    /** Room for Kafka Streams' own files but not for the state stores. */
    static final String FULL_SIZE = "64k";

    static String lastLine(ChildJvm child) {
        List<String> lines = child.output().lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    static String uid() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                    .map(l -> l.split("\\s+")[1]).findFirst().orElse("?");
        } catch (Exception e) {
            return "?";
        }
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
