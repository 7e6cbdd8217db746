package io.ctflow.cli.simulate;

/**
 * One connection and its whole planned life: the entry each node keeps of it (a "view": up to two,
 * the client's node and the backend's node) and every event of every view in time order. The
 * simulation walks the events as event time passes; the renderer prints them. Objects are
 * reused once a connection is gone (see {@link ConnectionFactory}): a long run allocates only as
 * many as are alive at once.
 */
final class Connection {
    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMP = 1;
    static final int ICMPV6 = 58;
    private static final int MAX_STEPS = 16;

    int protocol;
    boolean ipv6;
    SimPod client;
    /** The Service it went through, or null (pod to pod, ICMP). */
    SimService service;
    /** Reply source: the backend (or the pinged pod) and its port. */
    byte[] replySrc;
    byte[] replySrcText;
    int replySport;
    /** Client port, or the ICMP echo id. */
    int clientPort;

    int views;
    final int[] node = new int[2];
    final long[] conntrackId = new long[2];
    /** Original destination per view: the cluster IP on the NAT node, the pod elsewhere. */
    final byte[][] origDstText = new byte[2][];
    final int[] origDport = new int[2];

    /** Rendered once by the line renderer: each view's original tuple and id, the shared reply tuple. */
    final byte[][] origTuple = new byte[2][];
    final byte[][] idText = new byte[2][];
    byte[] replyTuple;

    final long[] at = new long[MAX_STEPS];
    final Step[] step = new Step[MAX_STEPS];
    final byte[] view = new byte[MAX_STEPS];
    int steps;
    int next;
    boolean echo() {
        return protocol == ICMP || protocol == ICMPV6;
    }

    /** Index of its truth record, or -1 for a healthy connection. */
    int anomaly = -1;

    /** @param replySrcText {@code replySrc} as conntrack prints it (pods carry theirs pre-rendered) */
    Connection(int protocol, boolean ipv6, SimPod client, SimService service, byte[] replySrc, byte[] replySrcText,
               int replySport) {
        init(protocol, ipv6, client, service, replySrc, replySrcText, replySport);
    }

    /** Makes this a new connection with no views and no events. */
    Connection init(int protocol, boolean ipv6, SimPod client, SimService service, byte[] replySrc, byte[] replySrcText,
                    int replySport) {
        this.views = 0;
        this.steps = 0;
        this.next = 0;
        this.anomaly = -1;
        this.clientPort = 0;
        this.replyTuple = null;
        this.origTuple[0] = null;
        this.origTuple[1] = null;
        this.idText[0] = null;
        this.idText[1] = null;
        this.protocol = protocol;
        this.ipv6 = ipv6;
        this.client = client;
        this.service = service;
        this.replySrc = replySrc;
        this.replySrcText = replySrcText;
        this.replySport = replySport;
        return this;
    }

    /** Adds the entry of node {@code nodeIndex}; returns its view number. */
    int addView(int nodeIndex, long id, byte[] dstText, int dport) {
        int v = views++;
        node[v] = nodeIndex;
        conntrackId[v] = id;
        origDstText[v] = dstText;
        origDport[v] = dport;
        return v;
    }

    void add(int v, Step s, long time) {
        // Insertion keeps time order; equal times keep the order they were added in.
        int i = steps++;
        while (i > 0 && at[i - 1] > time) {
            at[i] = at[i - 1];
            step[i] = step[i - 1];
            view[i] = view[i - 1];
            i--;
        }
        at[i] = time;
        step[i] = s;
        view[i] = (byte) v;
    }

    /** When the last node forgets it: its tuple may be reused after that. */
    long gone() {
        return at[steps - 1];
    }

    /** Number of its events before {@code end}. */
    int eventsBefore(long end) {
        int n = 0;
        while (n < steps && at[n] < end) {
            n++;
        }
        return n;
    }
}
