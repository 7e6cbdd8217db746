package io.ctflow.cli.lab;

/**
 * Something in the lab failed: a command exited non-zero or timed out, a tool is missing, the
 * kernel lacks a feature. The message is for humans and names the command and its stderr.
 * (An {@link IllegalStateException} so that {@code ctflow}'s handler prints it as one message.)
 */
public final class LabException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public LabException(String message) {
        super(message);
    }

    public LabException(String message, Throwable cause) {
        super(message, cause);
    }
}
