package io.ctflow.streams.outage;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ProcessorStateException;

/**
 * The state directory's faults in one line each: not writable at start (read-only, no permission,
 * not a directory), and a state store that fails while running (disk full). Kafka Streams would say
 * either with a stack trace, or, for a store, stop its thread and leave the process idle.
 */
public final class StateDirs {
    private StateDirs() {}

    /** {@code state.dir} of a Streams config, or Kafka Streams' default. */
    public static Path of(Map<String, ?> config) {
        Object v = config.get(StreamsConfig.STATE_DIR_CONFIG);
        return Path.of(v != null ? v.toString() : System.getProperty("java.io.tmpdir") + "/kafka-streams");
    }

    /**
     * Creates the directory when missing and writes a probe file in it.
     *
     * @return null when writable, else why not (one line, naming the directory)
     */
    public static String unwritable(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".ctflow-probe", null);
            Files.delete(probe);
            return null;
        } catch (IOException e) {
            return "state directory " + dir + " is not writable (" + reason(e) + "); set --state-dir to a writable directory";
        }
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** One line for the failure that stopped a stream thread; a state store's names the state directory. */
    public static String describe(Throwable t, Path dir) {
        String deepest = t.getMessage();
        boolean store = false;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            store |= c instanceof ProcessorStateException || c.getClass().getName().startsWith("org.rocksdb.");
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                deepest = c.getMessage();
            }
        }
        deepest = deepest == null ? t.getClass().getSimpleName() : deepest.strip().replace('\n', ' ');
        if (store) {
            return "a state store in " + dir + " failed (" + deepest + "); check the free space and permissions of the state directory:"
                    + " its committed state is kept and restored on restart";
        }
        return "a stream thread failed: " + deepest;
    }
}
