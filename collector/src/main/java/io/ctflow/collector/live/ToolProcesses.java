package io.ctflow.collector.live;

import io.ctflow.collector.CollectorException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** What the collector does with the conntrack processes it runs: read their stderr, end them, judge their errors. */
final class ToolProcesses {
    private static final int STDERR_TAIL = 20;

    private ToolProcesses() {}

    /** SIGTERM without closing our ends of its pipes (Process.destroy would), so lines already printed are still read. */
    static void terminate(Process p) {
        if (p != null) {
            p.toHandle().destroy();
        }
    }

    /** Waits for the end of a process whose output has been read, ending it when it lingers. */
    static void waitExit(Process p) throws InterruptedException {
        if (!p.waitFor(2, TimeUnit.SECONDS)) {
            terminate(p);
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.toHandle().destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
            }
        }
    }

    /** Throws the clear message for conntrack errors that retrying cannot fix. */
    static void checkToolError(String stderr) {
        if (NodeAccess.notPermitted(stderr)) {
            throw CollectorException.environment(NodeAccess.NOT_PERMITTED);
        }
        if (NodeAccess.execFailed(stderr)) {
            String first = new NodeAccess.Result(1, "", stderr).error();
            throw CollectorException.environment(first.contains("exec of") ? NodeAccess.CONNTRACK_MISSING + " (" + first + ")" : first);
        }
        if (stderr.contains("Protocol not supported")) {
            throw CollectorException.environment("conntrack: the kernel has no conntrack netlink interface (modprobe nf_conntrack_netlink)");
        }
    }

    static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** The last lines of a process's stderr, read on a daemon thread; each line also goes to a listener. */
    static final class StderrTail {
        private final Deque<String> tail = new ArrayDeque<>();
        private final Thread thread;

        StderrTail(Process p, String threadName, Consumer<String> eachLine) {
            thread = daemon(threadName).newThread(() -> {
                try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = err.readLine()) != null) {
                        synchronized (tail) {
                            tail.addLast(line);
                            if (tail.size() > STDERR_TAIL) {
                                tail.removeFirst();
                            }
                        }
                        eachLine.accept(line);
                    }
                } catch (IOException e) {
                    // the process is gone
                }
            });
            thread.start();
        }

        /** Waits (bounded) until stderr is read to its end; the lines kept. */
        String await() throws InterruptedException {
            thread.join(2000);
            synchronized (tail) {
                return String.join("\n", tail);
            }
        }
    }
}
