package io.ctflow.config;

/**
 * A user mistake (bad flag or value, missing file, malformed input file, wrong setting): one line and
 * exit code 2, never a stack trace. Input parsers and the places where user input enters throw it;
 * a bare {@link IllegalArgumentException} is a bug (see {@link ExitPolicy}).
 *
 * <p>It is an {@code IllegalArgumentException} so that code which already handles bad arguments
 * (the HTTP API's 400 answers, parsers that add a file's line) keeps handling it.
 */
public class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }

    /** With the exception that showed the mistake, kept for {@code --verbose} and debuggers, never printed. */
    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
