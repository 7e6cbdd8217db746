package io.ctflow.streams.flow;

import java.util.HashMap;
import java.util.Map;

/**
 * The protocol states conntrack prints (TCP, SCTP, DCCP), each with the explicit code the flows
 * store keeps instead of the name. Codes are stable: a new state takes a new code, none is reused;
 * a state not listed here is stored by name.
 */
enum ConntrackState {
    NONE(1), SYN_SENT(2), SYN_RECV(3), ESTABLISHED(4), FIN_WAIT(5), CLOSE_WAIT(6), LAST_ACK(7), TIME_WAIT(8),
    CLOSE(9), SYN_SENT2(10), CLOSED(11), COOKIE_WAIT(12), COOKIE_ECHOED(13), SHUTDOWN_SENT(14), SHUTDOWN_RECD(15),
    SHUTDOWN_ACK_SENT(16), HEARTBEAT_SENT(17), REQUEST(18), RESPOND(19), PARTOPEN(20), OPEN(21), CLOSEREQ(22),
    CLOSING(23), TIMEWAIT(24);

    private static final Map<String, ConntrackState> BY_NAME = new HashMap<>();
    private static final Map<Integer, ConntrackState> BY_CODE = new HashMap<>();

    static {
        for (ConntrackState s : values()) {
            BY_NAME.put(s.name(), s);
            if (BY_CODE.put(s.code, s) != null) {
                throw new ExceptionInInitializerError("two states with code " + s.code);
            }
        }
    }

    private final int code;

    ConntrackState(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    /** The state printed as {@code name}, or null when it is not one of these. */
    static ConntrackState named(String name) {
        return BY_NAME.get(name);
    }

    /** The state stored as {@code code}, or null when no state has it. */
    static ConntrackState ofCode(long code) {
        return code < 1 || code > Integer.MAX_VALUE ? null : BY_CODE.get((int) code);
    }
}
