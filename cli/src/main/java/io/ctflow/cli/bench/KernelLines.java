package io.ctflow.cli.bench;

import io.ctflow.cli.bench.Workload.Kind;

/**
 * Renders a workload step as the line {@code conntrack -E -o timestamp,id,extended} prints for it
 * (the format of the shipped captures), so the collector's own parser turns it into an event.
 * Reuses one buffer: the returned text is valid until the next call.
 */
final class KernelLines {
    private final Workload w;
    private final long firstIdentity;
    private final StringBuilder sb = new StringBuilder(256);

    KernelLines(Workload w) {
        this(w, 0);
    }

    /**
     * Connection {@code c} gets the addresses, ports and id of connection {@code firstIdentity + c}:
     * two workloads sent to one app do not share flow keys when one's identities start past the
     * other's last connection (identities repeat only every {@link Workload#distinctIdentities()}).
     */
    KernelLines(Workload w, long firstIdentity) {
        this.w = w;
        this.firstIdentity = firstIdentity;
    }

    /** The node whose collector reports the connection: the one its client address is on. */
    int node(long connection) {
        return w.nodeOf(firstIdentity + connection);
    }

    /** The line of a connection step (not a heartbeat). */
    CharSequence line(Kind kind, long connection, long micros) {
        sb.setLength(0);
        sb.append('[').append(micros / 1_000_000).append('.');
        String frac = Long.toString(micros % 1_000_000);
        for (int i = frac.length(); i < 6; i++) {
            sb.append('0');
        }
        sb.append(frac).append("]\t");
        boolean unreplied = w.anomalous(connection);
        switch (kind) {
            case NEW -> sb.append("    [NEW] ipv4     2 tcp      6 120 SYN_SENT");
            case SYN_RECV -> sb.append(" [UPDATE] ipv4     2 tcp      6 60 SYN_RECV");
            case ESTABLISHED -> sb.append(" [UPDATE] ipv4     2 tcp      6 432000 ESTABLISHED");
            case TIME_WAIT -> sb.append(" [UPDATE] ipv4     2 tcp      6 120 TIME_WAIT");
            case DESTROY -> sb.append(unreplied ? "[DESTROY] ipv4     2 tcp      6 SYN_SENT" : "[DESTROY] ipv4     2 tcp      6 TIME_WAIT");
            default -> throw new IllegalArgumentException("not a kernel event: " + kind);
        }
        long id = firstIdentity + connection;
        byte[] client = w.clientAddress(id);
        byte[] vip = w.vip(w.serviceOf(id));
        byte[] backend = w.backendOf(id);
        int port = w.clientPort(id);
        sb.append(" src=");
        ip(client).append(" dst=");
        ip(vip).append(" sport=").append(port).append(" dport=80");
        if (kind == Kind.NEW || unreplied) {
            sb.append(" [UNREPLIED]");
        }
        sb.append(" src=");
        ip(backend).append(" dst=");
        ip(client).append(" sport=8080 dport=").append(port);
        if (kind == Kind.ESTABLISHED || kind == Kind.TIME_WAIT || (kind == Kind.DESTROY && !unreplied)) {
            sb.append(" [ASSURED]");
        }
        sb.append(" id=").append(id + 1);
        return sb;
    }

    private StringBuilder ip(byte[] a) {
        return sb.append(a[0] & 0xff).append('.').append(a[1] & 0xff).append('.').append(a[2] & 0xff).append('.').append(a[3] & 0xff);
    }
}
