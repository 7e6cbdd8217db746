package io.ctflow.config;

/** Something outside ctflow is not as needed (Kafka or the registry unreachable or refusing): one line, exit code 1. */
public class RuntimeFailure extends RuntimeException implements ExitPolicy.Coded {
    private static final long serialVersionUID = 1L;

    public RuntimeFailure(String message) {
        super(message);
    }

    public RuntimeFailure(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return ExitPolicy.FAILURE;
    }
}
