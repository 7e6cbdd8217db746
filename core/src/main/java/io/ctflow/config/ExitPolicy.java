package io.ctflow.config;

import io.ctflow.schemas.registry.RegistryUnreachableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.apache.kafka.common.KafkaException;

/**
 * The one exit-code policy of {@code ctflow}, the collector jar and the streams-app jar: 0 success,
 * 1 runtime failure (Kafka or the registry unreachable or refusing, I/O), 2 usage error (bad flag or
 * value, missing file: {@link UsageException}). Both are one line, {@code ctflow COMMAND: message}.
 * Anything else is a bug, a bare {@link IllegalArgumentException} too: the command lines rethrow it,
 * picocli prints its stack trace and exits 1.
 */
public final class ExitPolicy {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;
    /** Not a failure the policy knows: a bug, reported with its stack trace. */
    public static final int BUG = -1;

    /** A failure that knows its own exit code (the collector's and the streams app's). */
    public interface Coded {
        int exitCode();
    }

    private ExitPolicy() {}

    /** {@link #USAGE}, {@link #FAILURE} or {@link #BUG}, decided by the exception's type. */
    public static int exitCode(Throwable t) {
        if (t instanceof Coded c) {
            return c.exitCode();
        }
        // decided by type: places where user input enters throw UsageException naming the file, line or
        // key; a bare IllegalArgumentException is a bug and keeps its stack trace
        if (t instanceof UsageException
                || t instanceof org.apache.kafka.common.config.ConfigException
                || t instanceof NoSuchFileException || t.getCause() instanceof NoSuchFileException && t instanceof UncheckedIOException) {
            return USAGE;
        }
        if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof KafkaException
                || t instanceof RegistryUnreachableException) {
            return FAILURE;
        }
        return BUG;
    }

    /** The one line for a usage error or runtime failure: {@code ctflow COMMAND: message}. */
    public static String line(String command, String message) {
        return (command.startsWith("ctflow") ? command : "ctflow " + command) + ": " + message;
    }
}
