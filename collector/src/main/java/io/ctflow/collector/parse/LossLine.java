package io.ctflow.collector.parse;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.collector.publish.Sink;
import java.time.Instant;
import java.util.Locale;

/**
 * The loss line of a capture's events file: {@code [SECONDS.MICROS] lost events (REASON)}, written
 * where the recorder learnt that events were lost (conntrack's ENOBUFS warning, conntrack -E
 * ending). Read back, it is the GAP marker a live collector sends at that moment. conntrack itself
 * never prints such a line on stdout, so it cannot be mistaken for an entry.
 */
public final class LossLine {
    static final String TEXT = "lost events";
    private static final String EXPECTED = "expected '[SECONDS.MICROS] lost events (REASON)'";

    private LossLine() {}

    /**
     * Whether a conntrack stderr line reports events lost while it keeps running (netlink ENOBUFS:
     * conntrack-tools prints "WARNING: We have hit ENOBUFS! We are losing events." and reads on).
     * "Operation failed: No buffer space available" is followed by conntrack's exit, which the
     * caller counts as the loss instead.
     */
    public static boolean isConntrackLossWarning(String line) {
        if (line.contains("Operation failed")) {
            return false;
        }
        return line.contains("ENOBUFS") || line.contains("No buffer space available") || line.contains("losing events");
    }

    /**
     * Whether the line claims to be a loss line: "lost events" after an optional bracket token.
     * Cheap, for every line of a capture; {@link #parse} then accepts it or says why not.
     */
    public static boolean isLossLine(String line) {
        int i = skipSpace(line, 0);
        if (i < line.length() && line.charAt(i) == '[') {
            int close = line.indexOf(']', i);
            if (close < 0) {
                return false;
            }
            i = skipSpace(line, close + 1);
        }
        return line.startsWith(TEXT, i);
    }

    /**
     * The GAP marker of a loss line.
     *
     * @param sequence the last sequence number of the node's events before it (a marker takes no new one)
     * @param keepRaw  whether to keep the line in the event's {@code raw}
     * @throws ParseException when the line is not {@code [SECONDS.MICROS] lost events (REASON)}
     */
    public static ConntrackEvent parse(String line, String node, long sequence, boolean keepRaw) throws ParseException {
        int i = skipSpace(line, 0);
        if (i >= line.length() || line.charAt(i) != '[') {
            throw new ParseException("loss line without a timestamp: " + EXPECTED);
        }
        int close = line.indexOf(']', i);
        if (close < 0) {
            throw new ParseException("malformed loss line: " + EXPECTED);
        }
        Instant time = ConntrackLineParser.bracketTimestamp(line, i, close + 1);
        i = skipSpace(line, close + 1);
        int afterText = i + TEXT.length();
        int end = line.length();
        while (end > afterText && Character.isWhitespace(line.charAt(end - 1))) {
            end--;
        }
        int open = skipSpace(line, afterText);
        if (!line.startsWith(TEXT, i) || open == afterText || open >= end || line.charAt(open) != '('
                || line.charAt(end - 1) != ')' || end - open < 3) {
            throw new ParseException("malformed loss line: " + EXPECTED);
        }
        ConntrackEvent e = Sink.markerEvent(EventType.GAP, node, time, sequence);
        if (keepRaw) {
            e.setRaw(line);
        }
        return e;
    }

    /** The line for a loss at {@code time} (micros, zero-padded; line breaks in the reason become spaces). */
    public static String format(Instant time, String reason) {
        String r = reason == null || reason.isBlank() ? "unknown" : reason.strip().replace('\n', ' ').replace('\r', ' ');
        return String.format(Locale.ROOT, "[%d.%06d] %s (%s)", time.getEpochSecond(), time.getNano() / 1000, TEXT, r);
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
