package io.ctflow.cli.simulate;

import java.nio.charset.StandardCharsets;

/**
 * One conntrack event of an entry's life, as {@code conntrack -E} prints it: the event type, the
 * TCP state, the timeout the kernel prints (its defaults; none on DESTROY) and the status flags.
 */
enum Step {
    TCP_NEW(Type.NEW, "SYN_SENT", 120, true, false),
    TCP_SYN_RECV(Type.UPDATE, "SYN_RECV", 60, false, false),
    TCP_ESTABLISHED(Type.UPDATE, "ESTABLISHED", 432000, false, true),
    TCP_FIN_WAIT(Type.UPDATE, "FIN_WAIT", 120, false, true),
    TCP_CLOSE_WAIT(Type.UPDATE, "CLOSE_WAIT", 60, false, true),
    TCP_LAST_ACK(Type.UPDATE, "LAST_ACK", 30, false, true),
    TCP_TIME_WAIT(Type.UPDATE, "TIME_WAIT", 120, false, true),
    /** A reset after SYN_RECV: the client never got the SYN-ACK through its own node. */
    TCP_CLOSE(Type.UPDATE, "CLOSE", 10, false, false),
    TCP_DESTROY_TIME_WAIT(Type.DESTROY, "TIME_WAIT", -1, false, true),
    TCP_DESTROY_UNREPLIED(Type.DESTROY, "SYN_SENT", -1, true, false),
    TCP_DESTROY_CLOSE(Type.DESTROY, "CLOSE", -1, false, false),

    UDP_NEW(Type.NEW, null, 30, true, false),
    UDP_REPLIED(Type.UPDATE, null, 30, false, false),
    UDP_ASSURED(Type.UPDATE, null, 120, false, true),
    UDP_DESTROY_UNREPLIED(Type.DESTROY, null, -1, true, false),
    UDP_DESTROY_REPLIED(Type.DESTROY, null, -1, false, false),
    UDP_DESTROY_ASSURED(Type.DESTROY, null, -1, false, true),

    ICMP_NEW(Type.NEW, null, 30, true, false),
    ICMP_REPLIED(Type.UPDATE, null, 30, false, false),
    ICMP_DESTROY_REPLIED(Type.DESTROY, null, -1, false, false);

    enum Type { NEW, UPDATE, DESTROY }

    final Type type;
    /** The state word and its trailing blank, pre-rendered; empty for protocols without states. */
    final byte[] stateText;
    final int timeout;
    final boolean unreplied;
    final boolean assured;

    Step(Type type, String state, int timeout, boolean unreplied, boolean assured) {
        this.type = type;
        this.stateText = (state == null ? "" : state + " ").getBytes(StandardCharsets.US_ASCII);
        this.timeout = timeout;
        this.unreplied = unreplied;
        this.assured = assured;
    }
}
