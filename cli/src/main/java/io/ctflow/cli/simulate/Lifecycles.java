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
    private final Timeline timeline = new Timeline();

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
        timeline.start(Step.TCP_NEW, t0).then(Step.TCP_SYN_RECV, synRecv).then(Step.TCP_ESTABLISHED, established)
                .then(Step.TCP_FIN_WAIT, finWait);
        if (closeWait) {
            timeline.then(Step.TCP_CLOSE_WAIT, closeWaitAt);
        }
        timeline.then(Step.TCP_LAST_ACK, lastAck).then(Step.TCP_TIME_WAIT, timeWait)
                .reaped(Step.TCP_DESTROY_TIME_WAIT, timeWait + 120 * S).onEveryView(c, delay);
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
        timeline.start(Step.UDP_NEW, t0).then(Step.UDP_REPLIED, reply).reaped(Step.UDP_DESTROY_REPLIED, reply + 30 * S).onEveryView(c, delay);
    }

    /** A UDP stream: replied, then assured by more traffic; quiet until it expires. */
    void udpStream(Connection c, long t0, long delay) {
        long reply = t0 + replyLatency();
        long assured = reply + 1_000 + r.nextLong(2 * S);
        long last = assured + S + r.nextLong(60 * S);
        timeline.start(Step.UDP_NEW, t0).then(Step.UDP_REPLIED, reply).then(Step.UDP_ASSURED, assured)
                .reaped(Step.UDP_DESTROY_ASSURED, last + 120 * S).onEveryView(c, delay);
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
        timeline.start(Step.ICMP_NEW, t0).then(Step.ICMP_REPLIED, reply).reaped(Step.ICMP_DESTROY_REPLIED, reply + 30 * S).onEveryView(c, delay);
    }

    /**
     * The steps of one connection's lifecycle with their times on its first view, ending with the
     * entry's destruction after it expired; reused (a Lifecycles draws for one generator thread), so
     * a connection costs no allocation.
     */
    private final class Timeline {
        private final Step[] steps = new Step[8];
        private final long[] at = new long[8];
        private int n;

        Timeline start(Step s, long time) {
            n = 0;
            return then(s, time);
        }

        Timeline then(Step s, long time) {
            steps[n] = s;
            at[n++] = time;
            return this;
        }

        /** The last step: the entry expires at {@code expiry} and is reaped lazily, a draw per view. */
        Timeline reaped(Step s, long expiry) {
            return then(s, expiry);
        }

        /** Adds the steps to every view of {@code c}, view by view; the views after the first see each {@code delay} later. */
        void onEveryView(Connection c, long delay) {
            int last = n - 1;
            for (int v = 0; v < c.views; v++) {
                long d = v == 0 ? 0 : delay;
                for (int i = 0; i < last; i++) {
                    c.add(v, steps[i], at[i] + d);
                }
                c.add(v, steps[last], at[last] + d + lazyReap());
            }
        }
    }
}
