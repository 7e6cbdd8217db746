package io.ctflow.collector.parse;

/**
 * Splits one line into whitespace-separated tokens by index, without allocating substrings.
 * A token that starts with '[' runs to the next ']' even across spaces: conntrack pads inside
 * brackets ({@code [1795711669.5123  ]}) and prints kernel timestamps as
 * {@code [start=Thu Jan  1 00:00:00 1970]}.
 */
final class LineTokenizer {
    private static final int SNIPPET_CHARS = 40;

    String s;
    /** End of the line without trailing CR/LF. */
    int end;
    private int pos;

    /** Current token is {@code s[start, stop)}. */
    int start;
    int stop;
    /** Index of the first '=' in the current token, -1 if none (always -1 for bracket tokens). */
    int eq;

    LineTokenizer(String s) {
        line(s);
    }

    /** Starts over on another line (the parser reuses one tokenizer per thread). */
    LineTokenizer line(String line) {
        s = line;
        int e = line.length();
        while (e > 0 && (line.charAt(e - 1) == '\n' || line.charAt(e - 1) == '\r')) {
            e--;
        }
        end = e;
        pos = 0;
        start = 0;
        stop = 0;
        eq = -1;
        return this;
    }

    /** Advances to the next token; false at the end of the line. */
    boolean next() throws ParseException {
        int i = pos;
        while (i < end && isSpace(s.charAt(i))) {
            i++;
        }
        if (i >= end) {
            pos = end;
            return false;
        }
        start = i;
        eq = -1;
        if (s.charAt(i) == '[') {
            int close = s.indexOf(']', i + 1);
            if (close < 0 || close >= end) {
                throw new ParseException("unterminated '" + snippet(start, end) + "'");
            }
            stop = close + 1;
        } else {
            char c;
            while (i < end && !isSpace(c = s.charAt(i))) {
                if (c == '=' && eq < 0) {
                    eq = i;
                }
                i++;
            }
            stop = i;
        }
        pos = stop;
        return true;
    }

    /** Position of the current token, to come back to with {@link #reset}, for a short look-ahead. */
    int mark() {
        return start;
    }

    /** Makes the token that was current at {@code mark} current again. */
    void reset(int mark) throws ParseException {
        pos = mark;
        next();
    }

    boolean isBracket() {
        return s.charAt(start) == '[';
    }

    boolean is(String word) {
        return stop - start == word.length() && s.regionMatches(start, word, 0, word.length());
    }

    /** Whether the bracket token's content is {@code word}. */
    boolean bracketIs(String word) {
        return stop - start == word.length() + 2 && s.regionMatches(start + 1, word, 0, word.length());
    }

    boolean isDigits() {
        for (int i = start; i < stop; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** A lower-case protocol-name-like word: [a-z][a-z0-9]*. */
    boolean isLowerWord() {
        char c = s.charAt(start);
        if (c < 'a' || c > 'z') {
            return false;
        }
        for (int i = start + 1; i < stop; i++) {
            c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    /** An upper-case state-like word: [A-Z][A-Z0-9_]*. */
    boolean isUpperWord() {
        char c = s.charAt(start);
        if (c < 'A' || c > 'Z') {
            return false;
        }
        for (int i = start + 1; i < stop; i++) {
            c = s.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return true;
    }

    String text() {
        return snippet(start, stop);
    }

    /** {@code s[from, to)} for an error message: at most 40 chars, control characters as '?'. */
    String snippet(int from, int to) {
        int n = Math.min(to - from, SNIPPET_CHARS);
        StringBuilder sb = new StringBuilder(n + 3);
        for (int i = from; i < from + n; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f || Character.isSurrogate(c) ? '?' : c);
        }
        if (to - from > n) {
            sb.append("...");
        }
        return sb.toString();
    }

    /** Decimal digits {@code s[from, to)} as a number no larger than max, else -1. */
    static long number(String s, int from, int to, long max) {
        if (from >= to || to - from > 20) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9 || v > (max - d) / 10) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /** Hex digits {@code s[from, to)}, with or without 0x, no larger than max, else -1. */
    static long hexNumber(String s, int from, int to, long max) {
        if (to - from > 2 && s.charAt(from) == '0' && (s.charAt(from + 1) == 'x' || s.charAt(from + 1) == 'X')) {
            from += 2;
        }
        if (from >= to || to - from > 16) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = IpLiteral.hex(s.charAt(i)); // ASCII only, unlike Character.digit
            if (d < 0 || v > (max - d) / 16) {
                return -1;
            }
            v = v * 16 + d;
        }
        return v;
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }
}
