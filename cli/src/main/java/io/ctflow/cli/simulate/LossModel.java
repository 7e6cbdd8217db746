package io.ctflow.cli.simulate;

import java.util.SplittableRandom;

/**
 * Netlink event loss as ENOBUFS overflow causes it: runs of consecutive events of one node,
 * about {@code fraction} of them in all. A burst starts with probability p at an event outside
 * bursts and lasts 1–{@value #MAX_BURST} events (mean {@value #MEAN_BURST}); p makes the expected
 * dropped share the fraction.
 */
final class LossModel {
    /** What happens to one event: written, the first of a lost burst (a loss line marks it), or lost within a burst. */
    enum Verdict { KEEP, DROP_FIRST, DROP }

    static final int MEAN_BURST = 20;
    static final int MAX_BURST = 2 * MEAN_BURST - 1;

    private final SplittableRandom r;
    private final double start;
    private int left;

    LossModel(double fraction, SplittableRandom r) {
        this.r = r;
        this.start = fraction <= 0 ? 0 : Math.min(1, fraction / (MEAN_BURST * (1 - fraction)));
    }

    Verdict next() {
        if (left > 0) {
            left--;
            return Verdict.DROP;
        }
        if (start > 0 && r.nextDouble() < start) {
            left = r.nextInt(MAX_BURST); // this one and 0..MAX_BURST-1 more
            return Verdict.DROP_FIRST;
        }
        return Verdict.KEEP;
    }
}
