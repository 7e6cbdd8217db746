package io.ctflow.cli.simulate;

import io.ctflow.config.UsageException;
import java.time.Duration;
import java.time.Instant;

/**
 * What to simulate; checked on construction, with messages naming the flag.
 *
 * @param rate     events per second across the fleet, in event time
 * @param duration event time covered
 * @param skew     each node's clock is off by a fixed amount within ±skew
 */
record SimulationSpec(int nodes, int services, double rate, Duration duration, double anomalies, double loss,
                      Duration skew, long seed) {
    /** Event time of seed 1 starts here; other seeds an hour later per seed, so runs do not overlap by accident. */
    static final Instant EPOCH = Instant.parse("2026-11-01T00:00:00Z");

    SimulationSpec {
        if (nodes < 1 || nodes > Fleet.MAX_NODES) {
            throw new UsageException("--nodes must be between 1 and " + Fleet.MAX_NODES + ", got " + nodes);
        }
        if (services < 1 || services > Fleet.MAX_SERVICES) {
            throw new UsageException("--services must be between 1 and " + Fleet.MAX_SERVICES + ", got " + services);
        }
        if (!(rate > 0) || rate > 100_000_000 || Double.isInfinite(rate)) {
            throw new UsageException("--rate must be a positive number of events per second (at most 1e8), got " + rate);
        }
        if (duration.compareTo(Duration.ofSeconds(2)) < 0 || duration.compareTo(Duration.ofDays(7)) > 0) {
            throw new UsageException("--duration must be between 2s and 7 days of event time, got " + duration);
        }
        if (!(anomalies >= 0 && anomalies <= 1)) {
            throw new UsageException("--anomalies must be a fraction between 0 and 1, got " + anomalies);
        }
        if (!(loss >= 0 && loss < 1)) {
            throw new UsageException("--loss must be a fraction from 0 up to (not including) 1, got " + loss);
        }
        if (skew.isNegative() || skew.compareTo(Duration.ofHours(1)) > 0) {
            throw new UsageException("--skew must be between 0 and 1h, got " + skew);
        }
    }

    Instant start() {
        return EPOCH.plus(Duration.ofHours(Math.floorMod(seed - 1, 24L * 365)));
    }

    Instant end() {
        return start().plus(duration);
    }
}
