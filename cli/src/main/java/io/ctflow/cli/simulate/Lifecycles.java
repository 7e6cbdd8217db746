package io.ctflow.cli.simulate;

import java.util.SplittableRandom;

/**
 * How the kernel's conntrack entries of one connection evolve, with its default timeouts: when
 * each state change happens and when the entry is reaped (lazily: up to a minute after it expired).
 * Times are event-time microseconds. A connection's second view (the backend's node) sees every
 * packet a little later: {@code delay} micros.
 */
final class Lifecycles {
    private static final long S = 1_000_000L;
    private final SplittableRandom r;

    Lifecycles(SplittableRandom r) {
        this.r = r;
    }

    /** Link latency between two nodes, as seen by their clocks. */
    long crossNodeDelay() {
        return 30 + r.nextLong(370);
    }

    private long lazyReap() {
        return r.nextLong(60 * S + 1);
    }

    private long replyLatency() {
        return r.nextInt(10) == 0 ? 2_000 + r.nextLong(48_000) : 100 + r.nextLong(1_900);
    }

    private long requestDuration() {
        int p = r.nextInt(100);
        if (p < 80) {
            return 500 + r.nextLong(200_000);
        }
        return p < 95 ? 200_000 + r.nextLong(4_800_000) : 5 * S + r.nextLong(55 * S);
    }

    /** A full TCP connection: handshake, request, close, TIME_WAIT, reap; on every view of {@code c}. */
    void tcp(Connection c, long t0, long delay) {
        long synRecv = t0 + replyLatency();
        long established = synRecv + 5 + r.nextLong(60);
        long finWait = established + requestDuration();
        boolean closeWait = r.nextBoolean(); // the peer acked the FIN before sending its own
        long closeWaitAt = finWait + 10 + r.nextLong(90);
        long lastAck = (closeWait ? closeWaitAt : finWait) + 10 + r.nextLong(2_000);
        long timeWait = lastAck + 5 + r.nextLong(200);
        for (int v = 0; v < c.views; v++) {
            long d = v == 0 ? 0 : delay;
            c.add(v, Step.TCP_NEW, t0 + d);
            c.add(v, Step.TCP_SYN_RECV, synRecv + d);
            c.add(v, Step.TCP_ESTABLISHED, established + d);
            c.add(v, Step.TCP_FIN_WAIT, finWait + d);
            if (closeWait) {
                c.add(v, Step.TCP_CLOSE_WAIT, closeWaitAt + d);
            }
            c.add(v, Step.TCP_LAST_ACK, lastAck + d);
            c.add(v, Step.TCP_TIME_WAIT, timeWait + d);
            c.add(v, Step.TCP_DESTROY_TIME_WAIT, timeWait + d + 120 * S + lazyReap());
        }
    }

    /** A SYN nobody answers (as far as this view knows): SYN_SENT until it expires. */
    void tcpUnreplied(Connection c, int v, long t0) {
        c.add(v, Step.TCP_NEW, t0);
        c.add(v, Step.TCP_DESTROY_UNREPLIED, t0 + 120 * S + lazyReap());
    }

    /** The backend's node of an asymmetric return: it sees the SYN-ACK, then the client's reset. */
    void tcpReset(Connection c, int v, long t0) {
        long synRecv = t0 + replyLatency();
        long close = synRecv + 100 + r.nextLong(2_000);
        c.add(v, Step.TCP_NEW, t0);
        c.add(v, Step.TCP_SYN_RECV, synRecv);
        c.add(v, Step.TCP_CLOSE, close);
        c.add(v, Step.TCP_DESTROY_CLOSE, close + 10 * S + lazyReap());
    }

    /** A UDP request and its answer (DNS-like); on every view. */
    void udpRequestResponse(Connection c, long t0, long delay) {
        long reply = t0 + replyLatency();
        for (int v = 0; v < c.views; v++) {
            long d = v == 0 ? 0 : delay;
            c.add(v, Step.UDP_NEW, t0 + d);
            c.add(v, Step.UDP_REPLIED, reply + d);
            c.add(v, Step.UDP_DESTROY_REPLIED, reply + d + 30 * S + lazyReap());
        }
    }

    /** A UDP stream: replied, then assured by more traffic; quiet until it expires. */
    void udpStream(Connection c, long t0, long delay) {
        long reply = t0 + replyLatency();
        long assured = reply + 1_000 + r.nextLong(2 * S);
        long last = assured + S + r.nextLong(60 * S);
        for (int v = 0; v < c.views; v++) {
            long d = v == 0 ? 0 : delay;
            c.add(v, Step.UDP_NEW, t0 + d);
            c.add(v, Step.UDP_REPLIED, reply + d);
            c.add(v, Step.UDP_ASSURED, assured + d);
            c.add(v, Step.UDP_DESTROY_ASSURED, last + d + 120 * S + lazyReap());
        }
    }

    /** A UDP request nobody answers (as far as this view knows). */
    void udpUnreplied(Connection c, int v, long t0) {
        c.add(v, Step.UDP_NEW, t0);
        c.add(v, Step.UDP_DESTROY_UNREPLIED, t0 + 30 * S + lazyReap());
    }

    /** The backend's node of an asymmetric UDP return: it sees the answer. */
    void udpReplied(Connection c, int v, long t0) {
        long reply = t0 + replyLatency();
        c.add(v, Step.UDP_NEW, t0);
        c.add(v, Step.UDP_REPLIED, reply);
        c.add(v, Step.UDP_DESTROY_REPLIED, reply + 30 * S + lazyReap());
    }

    /** An echo request and reply; on every view. */
    void icmpEcho(Connection c, long t0, long delay) {
        long reply = t0 + replyLatency();
        for (int v = 0; v < c.views; v++) {
            long d = v == 0 ? 0 : delay;
            c.add(v, Step.ICMP_NEW, t0 + d);
            c.add(v, Step.ICMP_REPLIED, reply + d);
            c.add(v, Step.ICMP_DESTROY_REPLIED, reply + d + 30 * S + lazyReap());
        }
    }
}
