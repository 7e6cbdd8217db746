package io.ctflow.streams.outage;

import io.ctflow.schemas.registry.RegistryUnreachableException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema registry that does not answer is an outage, not bad data: the record that needed it is
 * neither dead-lettered nor written without a schema id. The exception handlers fail the task (so
 * under exactly-once its open transaction is aborted), and {@link #onStreamThreadFailure} replaces
 * the stream thread after a pause, so the record is read again from the last commit until the
 * registry answers: records wait, none is lost.
 */
public final class RegistryOutage {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryOutage.class);
    /** Pause before the replaced thread tries again (the registry client has already retried with backoff). */
    static final long PAUSE_MS = 1000;

    private RegistryOutage() {}

    /** Whether a registry that did not answer is somewhere in the cause chain. */
    public static boolean isCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RegistryUnreachableException) {
                return true;
            }
        }
        return false;
    }

    /**
     * What to do with a stream thread that died of {@code e}: replace it when the registry was
     * unreachable, else shut the app down.
     */
    public static StreamThreadExceptionResponse onStreamThreadFailure(Throwable e) {
        if (!isCause(e)) {
            LOG.error("stream thread failed; shutting the app down", e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        LOG.warn("schema registry unreachable ({}): records wait; the stream thread is replaced and reads again from its last commit",
                rootMessage(e));
        try {
            Thread.sleep(PAUSE_MS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    private static String rootMessage(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RegistryUnreachableException) {
                return c.getMessage();
            }
        }
        return String.valueOf(t.getMessage());
    }
}
