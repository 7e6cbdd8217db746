package io.ctflow.cli.faults;

import io.ctflow.testing.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private mount namespace held open by a sleeping process ({@code unshare -m}); mounts made in
 * it ({@link #run}) are seen only by the processes started in it ({@link #prefix}) and vanish with
 * it. The host's mounts are never touched. Root only.
 */
final class MountNamespace implements AutoCloseable {
    private final Process holder;

    private MountNamespace(Process holder) {
        this.holder = holder;
    }

    static MountNamespace create() throws Exception {
        Process p = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sleep", "900")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        MountNamespace ns = new MountNamespace(p);
        Path mine = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt"));
        try {
            // unshare execs sleep once the namespace exists
            Poll.until(Duration.ofSeconds(10), () -> {
                if (!p.isAlive()) {
                    throw new AssertionError("unshare -m ended (exit " + p.exitValue() + ")");
                }
                try {
                    return !Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/ns/mnt")).equals(mine);
                } catch (IOException e) {
                    return false; // not there yet
                }
            }, "unshare -m makes a mount namespace");
            return ns;
        } catch (Exception | AssertionError e) {
            ns.close();
            throw e;
        }
    }

    /** The command prefix that runs a program in the namespace. */
    List<String> prefix() {
        return List.of("nsenter", "-t", Long.toString(holder.pid()), "-m", "--");
    }

    /** Runs a command in the namespace; fails unless it exits 0. */
    void run(String... cmd) throws Exception {
        List<String> full = new ArrayList<>(prefix());
        full.addAll(List.of(cmd));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    @Override
    public void close() throws InterruptedException {
        holder.destroyForcibly();
        holder.waitFor(30, TimeUnit.SECONDS);
    }
}
