package io.ctflow.net;

import io.ctflow.config.UsageException;

/**
 * Ports a user gives to listen on (flags, settings): checked before the JDK's
 * {@code InetSocketAddress} refuses them with a bare IllegalArgumentException, which would read as a bug.
 */
public final class PortNumbers {
    private PortNumbers() {}

    /** {@code port} if it is 0-65535 (0: any free port); else a usage error naming {@code what}. */
    public static int listen(String what, int port) {
        if (port < 0 || port > 65535) {
            throw new UsageException(what + " must be 0-65535 (0: any free port), got " + port);
        }
        return port;
    }
}
