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
}
