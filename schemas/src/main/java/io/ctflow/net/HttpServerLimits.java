package io.ctflow.net;

/**
 * Limits of the JDK's HTTP server ({@code com.sun.net.httpserver}) for ctflow's servers (the
 * registry, the streams app's API). The JDK reads a request's line and headers on a worker thread
 * and, by default, waits for a stalled client forever: with these limits a connection still in its
 * request after {@value #MAX_REQUEST_SECONDS} s, or in its response after
 * {@value #MAX_RESPONSE_SECONDS} s, is closed and its thread freed.
 *
 * <p>They are JVM-wide system properties read once, when the JVM creates its first HTTP server;
 * {@link #apply()} must run before that (each ctflow server calls it in its static initializer) and
 * keeps any value the user set with {@code -D}.
 */
public final class HttpServerLimits {
    /** Reading a request (line, headers) and handling it up to the response headers. */
    public static final int MAX_REQUEST_SECONDS = 15;
    /** Writing a response. */
    public static final int MAX_RESPONSE_SECONDS = 30;

    private HttpServerLimits() {}

    public static void apply() {
        setDefault("sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS));
        setDefault("sun.net.httpserver.maxRspTime", Integer.toString(MAX_RESPONSE_SECONDS));
        // The JDK writes headers and body in separate segments; with Nagle on, the body waits for the
        // client's delayed ACK: ~40 ms per call instead of ~1.
        setDefault("sun.net.httpserver.nodelay", "true");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
