package io.ctflow.cli.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * The heap the bench measures in. A page of memory costs most the first time it is touched (the
 * kernel finds and zeroes it; in a VM the host backs it too): ~16 µs a page, 4 s per GiB, on this
 * machine kind, against ~0.2 s per GiB on bare metal. G1 grows the heap as the app's decoded flows
 * fill it, so a round that grows it pays for the new memory on its own threads and the next round
 * does not: the production app round grew it by 1.4 GiB while its pass-through grew nothing, and the
 * collector's first counted round cost 9.4 µs of CPU per record against 2.0 µs in its second
 * (BENCHMARKS.md, twenty-fourth round). A fixed heap touched once at start ({@code -Xms} = {@code
 * -Xmx}, {@code -XX:+AlwaysPreTouch}; {@code ./ctflow bench} passes them) takes that out of every
 * round; every streams figure states which heap it had. Fixed means G1 can neither grow it nor
 * shrink it: with {@code -XX:InitialRAMPercentage} alone the minimum stays 8 MiB, and G1 gave 1.6
 * of 6 GiB back after its first concurrent cycle, to be touched again when it grew back;
 * {@code -XX:MaxHeapFreeRatio=100} keeps it.
 */
record BenchHeap(long initialBytes, long maxBytes, boolean shrinks, boolean preTouched) {
    /** Size of the fresh memory timed by {@link #firstTouchSecondsPerGiB()}. */
    private static final int PROBE_BYTES = 64 << 20;

    /** This JVM's heap settings (HotSpot's flags, as the JVM resolved them). */
    static BenchHeap current() {
        HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        long max = Long.parseLong(hs.getVMOption("MaxHeapSize").getValue());
        boolean shrinks = Long.parseLong(hs.getVMOption("MinHeapSize").getValue()) < max
                && Long.parseLong(hs.getVMOption("MaxHeapFreeRatio").getValue()) < 100;
        return new BenchHeap(Long.parseLong(hs.getVMOption("InitialHeapSize").getValue()), max, shrinks,
                Boolean.parseBoolean(hs.getVMOption("AlwaysPreTouch").getValue()));
    }

    boolean fixed() {
        return initialBytes >= maxBytes && !shrinks;
    }

    /** For the figures' settings. */
    String describe() {
        if (fixed()) {
            return String.format(Locale.ROOT, "heap %s fixed%s", size(maxBytes), preTouched ? ", touched at start" : ", not pre-touched");
        }
        if (initialBytes >= maxBytes) {
            return String.format(Locale.ROOT, "heap %s%s, which G1 may shrink and grow again", size(maxBytes), preTouched ? " touched at start" : "");
        }
        return String.format(Locale.ROOT, "heap %s growing to %s%s", size(initialBytes), size(maxBytes), preTouched ? " (its start touched)" : "");
    }

    /** One line for stderr when a round may pay for fresh memory; null when none will. */
    String warning() {
        if (fixed() && preTouched) {
            return null;
        }
        return "bench: " + describe() + ": a round that touches new heap pays for it and the next round does not; "
                + "for comparable rounds run with -Xms" + (maxBytes >> 20) + "m -Xmx" + (maxBytes >> 20) + "m -XX:+AlwaysPreTouch (./ctflow bench does)";
    }

    /**
     * Seconds per GiB to touch memory this process never used: a direct buffer is zeroed as it is
     * made, which touches each of its pages first. What a round that grows the heap pays per GiB.
     */
    static double firstTouchSecondsPerGiB() {
        long t0 = System.nanoTime();
        ByteBuffer fresh = ByteBuffer.allocateDirect(PROBE_BYTES);
        long nanos = System.nanoTime() - t0;
        if (fresh.capacity() != PROBE_BYTES) {
            throw new IllegalStateException("direct buffer of " + fresh.capacity() + " bytes");
        }
        return nanos / 1e9 * (1L << 30) / PROBE_BYTES;
    }

    private static String size(long bytes) {
        return bytes >= (1L << 30) && bytes % (1L << 30) == 0 ? (bytes >> 30) + " GiB" : (bytes >> 20) + " MiB";
    }
}
