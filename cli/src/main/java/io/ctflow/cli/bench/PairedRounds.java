package io.ctflow.cli.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Two in-JVM measurements of well under a second each (the serde rows), taken in pairs: one
 * uncounted round of each first, then every pair after a full collection, alternating which side
 * runs first. Three pairs in a fixed order gave the serializer 0.81 of plain Avro in one full run and
 * 0.97-1.02 in the four before, for the same work (BENCHMARKS.md, twenty-fifth round): a collection or
 * a compilation in one half-second round decides a best-of-three.
 */
final class PairedRounds {
    /** Pairs counted at least, whatever {@code --rounds} says: each costs about a second. */
    static final int MIN_PAIRS = 10;

    /** One round of one side: its rate. */
    interface Side {
        double run() throws Exception;
    }

    record Result(List<Double> ours, List<Double> baseline) {}

    private PairedRounds() {}

    static int pairs(int rounds) {
        return Math.max(MIN_PAIRS, rounds);
    }

    static Result run(int pairs, Side ours, Side baseline) throws Exception {
        ours.run(); // warm-up, not counted
        baseline.run();
        List<Double> o = new ArrayList<>(pairs);
        List<Double> b = new ArrayList<>(pairs);
        for (int r = 1; r <= pairs; r++) {
            System.gc(); // neither side inherits the other's garbage
            if (r % 2 == 1) {
                o.add(ours.run());
                b.add(baseline.run());
            } else {
                b.add(baseline.run());
                o.add(ours.run());
            }
        }
        return new Result(List.copyOf(o), List.copyOf(b));
    }
}
