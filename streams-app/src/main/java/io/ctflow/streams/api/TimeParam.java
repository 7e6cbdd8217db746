package io.ctflow.streams.api;

import java.time.Instant;

/** Instants in queries: ISO-8601 (2026-01-01T00:00:00Z) or epoch millis; times in answers: micros for ordering. */
final class TimeParam {
    private TimeParam() {}

    /** The instant, or {@code dflt} when absent; a 400 naming the parameter when unreadable. */
    static Instant parse(Request r, String name, Instant dflt) {
        String s = r.param(name);
        if (s == null) {
            return dflt;
        }
        try {
            return Instant.ofEpochMilli(Long.parseLong(s));
        } catch (NumberFormatException e) {
            try {
                return Instant.parse(s);
            } catch (RuntimeException e2) {
                throw new Replies.BadRequest(name + " must be ISO-8601 (2026-01-01T00:00:00Z) or epoch millis, got '" + s + "'");
            }
        }
    }

    /** Saturates at Long.MIN/MAX_VALUE instead of overflowing (year 300,000 is a valid ISO instant). */
    static long micros(Instant i) {
        try {
            return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1000);
        } catch (ArithmeticException e) {
            return i.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000);
    }

    /** Micros of an ISO-8601 text from an answer (a remote instance's), for ordering. */
    static long micros(String iso) {
        return micros(Instant.parse(iso));
    }
}
