package io.ctflow.collector;

/**
 * A problem the collector reports as one clear line, never a stack trace: either a user mistake
 * (bad flag value, missing file: exit code 2) or an environment problem (conntrack missing, no
 * CAP_NET_ADMIN, Kafka or the registry unreachable, a fatal send error: exit code 1).
 */
public final class CollectorException extends RuntimeException implements io.ctflow.config.ExitPolicy.Coded {
    private static final long serialVersionUID = 1L;

    /** Exit code of a user mistake. */
    public static final int USER_ERROR = io.ctflow.config.ExitPolicy.USAGE;
    /** Exit code of an environment or runtime problem. */
    public static final int ENVIRONMENT_ERROR = io.ctflow.config.ExitPolicy.FAILURE;

    private final int exitCode;

    private CollectorException(String message, int exitCode, Throwable cause) {
        super(message, cause, false, false);
        this.exitCode = exitCode;
    }

    /** A user mistake (exit code 2). */
    public static CollectorException user(String message) {
        return new CollectorException(message, USER_ERROR, null);
    }

    /** The machine, a tool or a server is not as needed (exit code 1). */
    public static CollectorException environment(String message) {
        return new CollectorException(message, ENVIRONMENT_ERROR, null);
    }

    /** Same, keeping the cause for debugging (it is not printed to users). */
    public static CollectorException environment(String message, Throwable cause) {
        return new CollectorException(message, ENVIRONMENT_ERROR, cause);
    }

    @Override
    public int exitCode() {
        return exitCode;
    }

    public boolean isUserError() {
        return exitCode == USER_ERROR;
    }
}
