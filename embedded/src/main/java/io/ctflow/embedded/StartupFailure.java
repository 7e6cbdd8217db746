package io.ctflow.embedded;

import java.net.BindException;

/**
 * Why the broker did not start, told from exception types and from the state the failed start left
 * behind (which port cannot be bound now, whether another broker holds the data directory's lock),
 * never from message text. Decided after the failed server has been stopped, so its own sockets
 * and locks are released.
 */
final class StartupFailure {
    /** What kind of failure it was. */
    enum Kind { PORT_IN_USE, CONTROLLER_PORT_IN_USE, DATA_DIR_IN_USE, CONTROLLER_FAULT, OTHER }

    private StartupFailure() {}

    /**
     * @param fatalFault the controller asked to terminate the process (its cause is only in the log)
     * @param dirLocked  whether another broker holds the data directory's lock now
     */
    static Kind classify(Throwable e, boolean fatalFault, String host, int port, String controllerHost, int controllerPort,
                         boolean dirLocked) {
        boolean bindFailed = has(e, BindException.class);
        if (bindFailed || fatalFault) {
            // The controller's fatal-fault path hides the cause; a port someone else took is the usual one
            if (!Ports.isBindable(controllerHost, controllerPort)) {
                return Kind.CONTROLLER_PORT_IN_USE;
            }
            if (!Ports.isBindable(host, port)) {
                return Kind.PORT_IN_USE;
            }
        }
        if (dirLocked) {
            return Kind.DATA_DIR_IN_USE;
        }
        return fatalFault ? Kind.CONTROLLER_FAULT : Kind.OTHER;
    }

    static boolean has(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    static Throwable rootCause(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r;
    }

    static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
