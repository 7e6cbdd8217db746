package io.ctflow.cli.simulate;

import java.time.Instant;

/** Event time: microseconds since the epoch, as conntrack prints it ({@code [sec.micros]}). */
final class Timestamps {
    private Timestamps() {}

    static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }

    static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }
}
