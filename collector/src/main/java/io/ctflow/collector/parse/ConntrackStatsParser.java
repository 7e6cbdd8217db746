package io.ctflow.collector.parse;

import io.ctflow.avro.CpuStats;
import java.util.ArrayList;
import java.util.List;

/**
 * Output of {@code conntrack -S} (one line per CPU:
 * {@code cpu=0   \tfound=0 invalid=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 ...})
 * and of {@code conntrack -C} (the entry count).
 * Counters this version does not know are ignored and missing ones are 0, so that older and
 * newer conntrack-tools/kernels (which add and drop counters) are both readable.
 */
public final class ConntrackStatsParser {
    // Index in the counters array, in CpuStats' field order.
    private static final String[] COUNTERS = {
        "found", "invalid", "insert", "insert_failed", "drop", "early_drop", "error", "search_restart",
        "clash_resolve", "chaintoolong",
    };

    private ConntrackStatsParser() {}

    /**
     * One {@link CpuStats} per line that has {@code cpu=}, in input order; other lines are skipped.
     *
     * @throws IllegalArgumentException naming the line, for a known counter that is not a number
     */
    /** Reads {@code conntrack -S} output from a file (UTF-8); mistakes say {@code FILE:LINE: what}. */
    public static List<CpuStats> read(java.nio.file.Path file) throws java.io.IOException {
        try {
            return parse(InputText.read(file));
        } catch (InputError e) {
            throw e.in(file);
        }
    }

    public static List<CpuStats> parse(String text) {
        List<CpuStats> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int n = 1; n <= lines.length; n++) {
            CpuStats stats = parseLine(lines[n - 1], n);
            if (stats != null) {
                out.add(stats);
            }
        }
        return out;
    }

    private static CpuStats parseLine(String line, int n) {
        long cpu = -1;
        long[] counters = new long[COUNTERS.length];
        int i = 0;
        int len = line.length();
        while (i < len) {
            while (i < len && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            int start = i;
            int eq = -1;
            while (i < len && !Character.isWhitespace(line.charAt(i))) {
                if (eq < 0 && line.charAt(i) == '=') {
                    eq = i;
                }
                i++;
            }
            if (eq <= start) {
                continue; // not key=value: tolerated like an unknown counter
            }
            String key = line.substring(start, eq);
            int index = indexOf(key);
            if (key.equals("cpu")) {
                cpu = number(line, eq + 1, i, Integer.MAX_VALUE, key, n);
            } else if (index >= 0) {
                counters[index] = number(line, eq + 1, i, Long.MAX_VALUE, key, n);
            }
        }
        if (cpu < 0) {
            return null;
        }
        return new CpuStats((int) cpu, counters[0], counters[1], counters[2], counters[3], counters[4], counters[5],
            counters[6], counters[7], counters[8], counters[9]);
    }

    /**
     * The number {@code conntrack -C} prints.
     *
     * @throws IllegalArgumentException when the text is not a non-negative number
     */
    public static long parseCount(String text) {
        String s = text == null ? "" : text.strip();
        long v = LineTokenizer.number(s, 0, s.length(), Long.MAX_VALUE);
        if (v < 0) {
            throw new IllegalArgumentException("bad conntrack count '" + abbreviate(s) + "'");
        }
        return v;
    }

    private static int indexOf(String key) {
        for (int i = 0; i < COUNTERS.length; i++) {
            if (COUNTERS[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    private static long number(String line, int from, int to, long max, String key, int n) {
        long v = LineTokenizer.number(line, from, to, max);
        if (v < 0) {
            throw new InputError(n, "bad " + key + " '" + abbreviate(line.substring(from, to)) + "'");
        }
        return v;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
