package io.ctflow.streams.metrics;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, by a small tokenizer (enough for dashboards): string
 * literals, label matchers, ranges, Grafana variables and the label lists of by/without/on/ignoring/
 * group_left/group_right are dropped, numbers and durations skipped; of the identifiers left, those followed by "(" are functions or
 * aggregations and the operators' keywords are skipped; the rest are metric names.
 */
public final class PromqlNames {
    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LISTS = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern VARIABLES = Pattern.compile("\\$\\{?\\w+}?");
    private static final Pattern TOKENS = Pattern.compile(
            "[A-Za-z_:][A-Za-z0-9_:]*|\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?(?:(?:ms|[smhdwy])(?:\\d+(?:ms|[smhdwy]))*)?");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan", "atan2");

    private PromqlNames() {}

    public static Set<String> of(String expr) {
        String s = STRINGS.matcher(expr).replaceAll(" ");
        s = MATCHERS.matcher(s).replaceAll(" ");
        s = RANGES.matcher(s).replaceAll(" ");
        s = LABEL_LISTS.matcher(s).replaceAll(" ");
        s = VARIABLES.matcher(s).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = TOKENS.matcher(s);
        while (m.find()) {
            String t = m.group();
            if (Character.isDigit(t.charAt(0)) || KEYWORDS.contains(t.toLowerCase(java.util.Locale.ROOT))) {
                continue;
            }
            int next = m.end();
            while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
                next++;
            }
            if (next < s.length() && s.charAt(next) == '(') {
                continue; // a function or an aggregation
            }
            names.add(t);
        }
        return names;
    }
}
