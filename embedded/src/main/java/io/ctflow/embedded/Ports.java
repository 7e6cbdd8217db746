package io.ctflow.embedded;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;

/** Free, taken and requested ports of the embedded broker's listeners. */
final class Ports {
    private Ports() {}

    static int freePort(String bindHost) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(bindHost), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("cannot find a free port on " + bindHost + ": " + e, e);
        }
    }

    static boolean isBindable(String bindHost, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(bindHost), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code port} when it can be bound, else the clear "in use" error. */
    static int requireFree(String bindHost, int port, boolean controller) {
        InetAddress addr;
        try {
            addr = InetAddress.getByName(bindHost);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("unknown Kafka host " + bindHost, e);
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(addr, port));
            return port;
        } catch (BindException e) {
            throw inUse(port, controller, e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind " + bindHost + ":" + port + ": " + e, e);
        }
    }

    static IllegalStateException inUse(int port, boolean controller, Throwable cause) {
        String msg = controller
                ? "controller port " + port + " is in use; pass another controller port (or 0 for a free one)"
                : "port " + port + " is in use; pass another with --kafka-port";
        return new IllegalStateException(msg, cause);
    }
}
