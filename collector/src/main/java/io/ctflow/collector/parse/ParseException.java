package io.ctflow.collector.parse;

/**
 * A line of input that could not be parsed. The message is a short reason for humans
 * ("no reply tuple", "bad address 'x'"); it ends up in the dead-letter topic.
 */
public final class ParseException extends Exception {
    private static final long serialVersionUID = 1L;

    public ParseException(String reason) {
        // No stack trace: bad lines are expected input on a hot path, and the trace would only
        // ever point into this package.
        super(reason, null, false, false);
    }

    /** The short human reason (same as {@link #getMessage()}). */
    public String reason() {
        return getMessage();
    }
}
