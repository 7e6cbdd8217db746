package io.ctflow.embedded;

import org.apache.kafka.common.utils.internals.Exit;

/**
 * Stops Kafka's fatal-fault handlers from terminating the whole JVM while an embedded broker is
 * starting or stopping.
 *
 * <p>On any controller start-up failure (port race, locked or corrupt metadata log, ...) Kafka's
 * {@code ProcessTerminatingFaultHandler} calls {@link Exit#halt(int)}/{@link Exit#exit(int)}. That is
 * right for a dedicated broker process but would kill the application (or the test JVM) that embeds
 * it. While a guard is open, Exit's procedures throw {@link KafkaTerminationRequest} instead, which
 * unwinds back to {@link EmbeddedKafka#start()} and becomes an {@link IllegalStateException}.
 *
 * <p>The procedures are JVM-global, so guards are reference-counted: they are installed by the first
 * open guard and reset to Kafka's defaults when the last one closes. Outside start/stop Kafka keeps its
 * normal behaviour (a fatal fault in a running broker still terminates the process, as in a real one).
 */
final class KafkaExitGuard implements AutoCloseable {

    private static final Object LOCK = new Object();
    private static int open;

    private boolean closed;

    private KafkaExitGuard() {
    }

    static KafkaExitGuard open() {
        synchronized (LOCK) {
            if (open++ == 0) {
                Exit.setExitProcedure((code, message) -> {
                    throw new KafkaTerminationRequest("exit", code, message);
                });
                Exit.setHaltProcedure((code, message) -> {
                    throw new KafkaTerminationRequest("halt", code, message);
                });
            }
        }
        return new KafkaExitGuard();
    }

    @Override
    public void close() {
        synchronized (LOCK) {
            if (closed) {
                return;
            }
            closed = true;
            if (--open == 0) {
                Exit.resetExitProcedure();
                Exit.resetHaltProcedure();
            }
        }
    }

    /** Thrown in place of a JVM exit/halt requested by Kafka during embedded start/stop. */
    static final class KafkaTerminationRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        KafkaTerminationRequest(String kind, int code, String message) {
            super("Kafka requested JVM " + kind + " with status " + code + (message != null ? ": " + message : ""));
        }
    }
}
