package io.ctflow.config;

/**
 * An embedded server (broker, registry) that cannot start: a taken port or a foreign data directory is
 * the user's to fix (exit 2), anything else is a runtime failure (exit 1). Still an
 * {@link IllegalStateException}, which is what callers of the servers have always caught.
 */
public final class StartupProblem extends IllegalStateException implements ExitPolicy.Coded {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    private StartupProblem(String message, Throwable cause, int exitCode) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** A taken port, a directory that is not the server's: the user picks another. */
    public static StartupProblem usage(String message, Throwable cause) {
        return new StartupProblem(message, cause, ExitPolicy.USAGE);
    }

    /** The disk, the network or the server itself failed. */
    public static StartupProblem failure(String message, Throwable cause) {
        return new StartupProblem(message, cause, ExitPolicy.FAILURE);
    }

    @Override
    public int exitCode() {
        return exitCode;
    }
}
