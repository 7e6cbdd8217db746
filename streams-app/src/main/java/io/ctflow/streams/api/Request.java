package io.ctflow.streams.api;

import com.sun.net.httpserver.HttpExchange;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One checked GET request: its raw path, decoded query and whether it asks this instance alone
 * ({@code local=true}). Parsing refuses what no route can mean (IllegalArgumentException, a 400).
 */
record Request(HttpExchange exchange, String rawPath, String rawQuery, Map<String, String> query) {

    static Request of(HttpExchange ex) {
        String path = ex.getRequestURI().getRawPath();
        String rawQuery = ex.getRequestURI().getRawQuery();
        Map<String, String> q = query(rawQuery);
        checkPath(path);
        return new Request(ex, path == null ? "/" : path, rawQuery, q);
    }

    boolean local() {
        return "true".equals(query.get("local"));
    }

    String param(String name) {
        String v = query.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** The raw path after {@code prefix}, percent-decoded. */
    String tail(String prefix) {
        return decode(rawPath.substring(prefix.length()));
    }

    /** The same path and query, without {@code local}, {@code cursor} and anything in {@code drop}: the base of forwarded and next-page URLs. */
    String pathAndQueryWithout(String... drop) {
        StringBuilder b = new StringBuilder(rawPath);
        char sep = '?';
        if (rawQuery != null) {
            for (String kv : rawQuery.split("&")) {
                int eq = kv.indexOf('=');
                String name = eq < 0 ? kv : kv.substring(0, eq);
                String decoded = decode(name);
                if (kv.isEmpty() || decoded.equals("local") || List.of(drop).contains(decoded)) {
                    continue;
                }
                b.append(sep).append(kv);
                sep = '&';
            }
        }
        return b.toString();
    }

    /** This request as another instance should answer it alone. */
    String forLocal() {
        String pq = pathAndQueryWithout();
        return pq + (pq.indexOf('?') < 0 ? "?" : "&") + "local=true";
    }

    static long headerBytes(HttpExchange ex) {
        long n = 0;
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            for (String v : h.getValue()) {
                n += h.getKey().length() + v.length() + 4;
            }
        }
        return n;
    }

    /** Refuses what no route can mean: {@code .}/{@code ..} segments (raw or encoded) and undecodable text. */
    private static void checkPath(String raw) {
        String path = decode(raw == null ? "/" : raw);
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("'.' and '..' are not allowed in paths");
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null) {
            return q;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                q.put(decode(kv.substring(0, eq)), decode(kv.substring(eq + 1)));
            }
        }
        return q;
    }

    /**
     * Percent-decodes as UTF-8. The request line reaches us byte by byte as chars, so anything outside
     * printable ASCII, broken escapes and escapes that are not UTF-8 are refused (IllegalArgumentException).
     */
    static String decode(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new IllegalArgumentException("only printable ASCII and %-escapes are allowed in paths and queries");
            }
        }
        String d;
        try {
            d = URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed %-escape in '" + abbreviate(s) + "'");
        }
        if (d.indexOf('\ufffd') >= 0 && s.toUpperCase(Locale.ROOT).indexOf("%EF%BF%BD") < 0) {
            throw new IllegalArgumentException("%-escapes in '" + abbreviate(s) + "' are not UTF-8");
        }
        for (int i = 0; i < d.length(); i++) {
            if (Character.isISOControl(d.charAt(i))) {
                throw new IllegalArgumentException("control characters are not allowed in paths and queries");
            }
        }
        return d;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
