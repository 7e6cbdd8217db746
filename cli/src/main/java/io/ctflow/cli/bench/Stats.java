package io.ctflow.cli.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Best and median of a measurement's rounds. */
final class Stats {
    private Stats() {}

    static double best(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** Standard deviation over mean (the sample's, n - 1), leaving out what is not a number; NaN below two numbers. */
    static double cv(List<Double> xs) {
        double[] v = xs.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).toArray();
        if (v.length < 2) {
            return Double.NaN;
        }
        double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN);
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        return Math.sqrt(ss / (v.length - 1)) / mean;
    }
}
