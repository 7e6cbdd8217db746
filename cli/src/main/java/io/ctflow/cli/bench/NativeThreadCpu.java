package io.ctflow.cli.bench;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of this process's native threads by kind, from {@code /proc/self/task}: the JVM's GC and
 * JIT threads and RocksDB's flush and compaction threads are out of ThreadMXBean's sight, yet they
 * run on the same two cores as the stream thread. Linux only; elsewhere every kind reads 0.
 */
final class NativeThreadCpu {
    /** The kinds of thread told apart, by the name the kernel holds for them (15 characters at most). */
    enum Kind {
        /** G1's pause workers, refinement and marking threads. */
        GC,
        /** RocksDB's background flushes and compactions ({@code rocksdb:low}, {@code rocksdb:high}). */
        ROCKSDB,
        /** The C1 and C2 compilers. */
        JIT;

        static Kind of(String comm) {
            if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
                return GC;
            }
            if (comm.startsWith("rocksdb:")) {
                return ROCKSDB;
            }
            if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                return JIT;
            }
            return null;
        }
    }

    /** USER_HZ: the unit of utime and stime in {@code stat}, 100 on every Linux the JVM runs on. */
    private static final long NANOS_PER_TICK = 10_000_000L;
    private static final Path TASKS = Path.of("/proc/self/task");

    private NativeThreadCpu() {}

    /** CPU nanoseconds so far per {@link Kind} (by ordinal), of the threads alive now; null if the listing broke off (sample again). */
    static long[] sample() {
        long[] out = new long[Kind.values().length];
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    add(out, Files.readString(task.resolve("stat")));
                } catch (IOException e) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not Linux: nothing to tell
        } catch (DirectoryIteratorException e) {
            return null; // the listing failed halfway: a partial sum would read as CPU time going backwards
        }
        return out;
    }

    /** Adds one thread's {@code stat} line: "tid (comm) state ... utime stime ..." (fields 14 and 15). */
    static void add(long[] out, String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return;
        }
        Kind kind = Kind.of(stat.substring(open + 1, close));
        if (kind == null) {
            return;
        }
        String[] f = stat.substring(close + 2).split(" ");
        if (f.length < 13) {
            return;
        }
        out[kind.ordinal()] += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
    }
}
