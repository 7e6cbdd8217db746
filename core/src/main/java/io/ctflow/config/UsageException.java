package io.ctflow.config;

/** A user mistake (bad flag or value, missing file, wrong setting): one line and exit code 2, never a stack trace. */
public class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
