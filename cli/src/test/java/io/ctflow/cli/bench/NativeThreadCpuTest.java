package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NativeThreadCpuTest {

    @Test
    void tellsTheKindsByTheKernelsThreadName() {
        assertEquals(NativeThreadCpu.Kind.GC, NativeThreadCpu.Kind.of("GC Thread#1"));
        assertEquals(NativeThreadCpu.Kind.GC, NativeThreadCpu.Kind.of("G1 Refine#0"));
        assertEquals(NativeThreadCpu.Kind.GC, NativeThreadCpu.Kind.of("G1 Conc#0"));
        assertEquals(NativeThreadCpu.Kind.ROCKSDB, NativeThreadCpu.Kind.of("rocksdb:low"));
        assertEquals(NativeThreadCpu.Kind.ROCKSDB, NativeThreadCpu.Kind.of("rocksdb:high"));
        assertEquals(NativeThreadCpu.Kind.JIT, NativeThreadCpu.Kind.of("C2 CompilerThre"));
        assertNull(NativeThreadCpu.Kind.of("kafka-log-clean"));
        assertNull(NativeThreadCpu.Kind.of("ctflow-bench-hi"));
    }

    @Test
    void addsUserAndSystemTicksOfAStatLineEvenWithSpacesAndParenthesesInTheName() {
        long[] out = new long[3];
        // utime 250 and stime 50 ticks (fields 14 and 15), as in /proc/PID/task/TID/stat
        NativeThreadCpu.add(out, "4242 (GC Thread#0) S 1 4200 4200 0 -1 4194368 100 0 0 0 250 50 0 0 20 0 40 0 123 0 0");
        NativeThreadCpu.add(out, "4243 (rocksdb:low) R 1 4200 4200 0 -1 4194368 100 0 0 0 7 3 0 0 20 0 40 0 123 0 0");
        NativeThreadCpu.add(out, "4244 (a (b) c) S 1 4200 4200 0 -1 4194368 100 0 0 0 999 999 0 0 20 0 40 0 123 0 0");
        NativeThreadCpu.add(out, "garbage");
        assertArrayEquals(new long[] {3_000_000_000L, 100_000_000L, 0}, out);
    }

    @Test
    void findsThisJvmsCompilerThreadsAtWorkOnLinux() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        // JUnit's start alone has the compilers busy for well over a tick (10 ms)
        assertTrue(NativeThreadCpu.sample()[NativeThreadCpu.Kind.JIT.ordinal()] > 0);
    }
}
