package io.ctflow.streams.flow;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One copy of each of the few strings that many flows repeat: node names, Service ids and addresses,
 * causes. Without it every decoded flow held its own copies, about a quarter of its heap
 * (BENCHMARKS.md, eighth round), and the decoded-flows set ({@code flow.decoded-max}) is sized in
 * flows. Bounded: past {@link #MAX} distinct strings it starts over, so the names of Services long
 * gone do not stay forever; a string it no longer holds is still correct, only not shared.
 */
final class StringPool {
    /** Far more than the nodes, Services and addresses of a cluster: a start-over is rare. */
    static final int MAX = 65_536;

    private static final ConcurrentHashMap<String, String> POOL = new ConcurrentHashMap<>();

    private StringPool() {}

    /** The pooled copy of {@code s} (null stays null). */
    static String of(String s) {
        if (s == null) {
            return null;
        }
        String c = POOL.get(s);
        if (c != null) {
            return c;
        }
        if (POOL.size() >= MAX) {
            POOL.clear();
        }
        c = POOL.putIfAbsent(s, s);
        return c != null ? c : s;
    }

    static int size() {
        return POOL.size();
    }
}
