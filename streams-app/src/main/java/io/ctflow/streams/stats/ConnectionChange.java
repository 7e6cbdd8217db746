package io.ctflow.streams.stats;

import java.nio.ByteBuffer;

/**
 * What one event (or timer) did to a connection, as the per-Service stats count it: at most one per
 * event, added to its Service window's {@link ServicePartial} in the flow task.
 */
public final class ConnectionChange {
    /** NEW: the stats start to follow the connection; STATE: it moved between states; END: it is over. */
    public enum Kind { NEW, REPLIED, UNREPLIED, INCOMPLETE, STATE, END }

    private Kind kind;
    private final long time;
    private final String serviceAddress;
    private boolean fresh = true;
    private ByteBuffer client;
    private String backend;
    private boolean replied;
    private long latency;
    private String cause;
    private String fromState;
    private String toState;

    public ConnectionChange(Kind kind, long timeMicros, String serviceAddress) {
        this.kind = kind;
        this.time = timeMicros;
        this.serviceAddress = serviceAddress == null ? "" : serviceAddress;
    }

    public Kind kind() { return kind; }
    public long time() { return time; }
    public String serviceAddress() { return serviceAddress; }
    public boolean fresh() { return fresh; }
    public ByteBuffer client() { return client; }
    public String backend() { return backend; }
    public boolean replied() { return replied; }
    public long latency() { return latency; }
    public String cause() { return cause; }
    public String fromState() { return fromState; }
    public String toState() { return toState; }

    public ConnectionChange kind(Kind k) { this.kind = k; return this; }
    /** NEW: false when the connection was adopted from a table snapshot (it began before we looked). */
    public ConnectionChange fresh(boolean f) { this.fresh = f; return this; }
    public ConnectionChange client(ByteBuffer c) { this.client = c; return this; }
    public ConnectionChange backend(String b) { this.backend = b; return this; }
    /** The connection's first reply came with this change; {@code latencyMicros} -1 when unknown. */
    public ConnectionChange replied(long latencyMicros) { this.replied = true; this.latency = latencyMicros; return this; }
    public ConnectionChange cause(String c) { this.cause = c; return this; }
    public ConnectionChange fromState(String s) { this.fromState = s; return this; }
    public ConnectionChange toState(String s) { this.toState = s; return this; }
}
