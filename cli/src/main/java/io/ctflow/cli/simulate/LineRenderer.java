package io.ctflow.cli.simulate;

import java.nio.charset.StandardCharsets;

/**
 * Prints events exactly as {@code conntrack -E -o timestamp,id,extended} does, by hand into a
 * reused byte buffer (the hot path: no String, no formatting per line).
 */
final class LineRenderer {
    private static final byte[] NEW = ascii("    [NEW] ");
    private static final byte[] UPDATE = ascii(" [UPDATE] ");
    private static final byte[] DESTROY = ascii("[DESTROY] ");
    private static final byte[] IPV4 = ascii("ipv4     2 ");
    private static final byte[] IPV6 = ascii("ipv6     10 ");
    private static final byte[] TCP = ascii("tcp      6 ");
    private static final byte[] UDP = ascii("udp      17 ");
    private static final byte[] ICMP = ascii("icmp     1 ");
    private static final byte[] ICMPV6 = ascii("icmpv6   58 ");
    private static final byte[] SRC = ascii("src=");
    private static final byte[] DST = ascii(" dst=");
    private static final byte[] SPORT = ascii(" sport=");
    private static final byte[] DPORT = ascii(" dport=");
    private static final byte[] ECHO_REQUEST = ascii(" type=8 code=0 id=");
    private static final byte[] ECHO_REPLY = ascii(" type=0 code=0 id=");
    private static final byte[] ECHO6_REQUEST = ascii(" type=128 code=0 id=");
    private static final byte[] ECHO6_REPLY = ascii(" type=129 code=0 id=");
    private static final byte[] UNREPLIED = ascii(" [UNREPLIED] ");
    private static final byte[] ASSURED = ascii(" [ASSURED] ");
    private static final byte[] ID = ascii("id=");
    private static final byte[] LOST = ascii(" lost events (ENOBUFS)\n");

    final byte[] buf = new byte[512];
    private int pos;

    /** Renders event {@code index} of {@code c} with the node's printed time; returns the length. */
    int event(Connection c, int index, long printedMicros) {
        Step s = c.step[index];
        int v = c.view[index];
        pos = 0;
        timestamp(printedMicros);
        buf[pos++] = '\t';
        put(s.type == Step.Type.NEW ? NEW : s.type == Step.Type.UPDATE ? UPDATE : DESTROY);
        put(c.ipv6 ? IPV6 : IPV4);
        put(c.protocol == Connection.TCP ? TCP : c.protocol == Connection.UDP ? UDP : c.ipv6 ? ICMPV6 : ICMP);
        if (s.timeout >= 0) {
            number(s.timeout);
            buf[pos++] = ' ';
        }
        put(s.stateText);
        byte[] client = c.client.text(c.ipv6);
        boolean icmp = c.echo();
        tuple(client, c.origDstText[v], c.clientPort, c.origDport[v], icmp ? (c.ipv6 ? ECHO6_REQUEST : ECHO_REQUEST) : null);
        put(s.unreplied ? UNREPLIED : SPACE);
        tuple(c.replySrcText, client, icmp ? c.clientPort : c.replySport, c.clientPort, icmp ? (c.ipv6 ? ECHO6_REPLY : ECHO_REPLY) : null);
        put(s.assured ? ASSURED : SPACE);
        put(ID);
        number(c.conntrackId[v]);
        buf[pos++] = '\n';
        return pos;
    }

    private static final byte[] SPACE = ascii(" ");

    /** {@code [sec.micros] lost events (ENOBUFS)}: where a burst of events was dropped. */
    int lost(long printedMicros) {
        pos = 0;
        timestamp(printedMicros);
        put(LOST);
        return pos;
    }

    private void tuple(byte[] src, byte[] dst, int sport, int dport, byte[] icmp) {
        put(SRC);
        put(src);
        put(DST);
        put(dst);
        if (icmp != null) {
            put(icmp);
            number(sport); // the echo id, the same both ways
        } else {
            put(SPORT);
            number(sport);
            put(DPORT);
            number(dport);
        }
    }

    private void timestamp(long micros) {
        buf[pos++] = '[';
        number(Math.floorDiv(micros, 1_000_000L));
        buf[pos++] = '.';
        long frac = Math.floorMod(micros, 1_000_000L);
        for (int i = 5; i >= 0; i--) {
            buf[pos + i] = (byte) ('0' + frac % 10);
            frac /= 10;
        }
        pos += 6;
        buf[pos++] = ']';
    }

    private void number(long v) {
        if (v == 0) {
            buf[pos++] = '0';
            return;
        }
        int digits = 0;
        for (long x = v; x > 0; x /= 10) {
            digits++;
        }
        for (int i = pos + digits - 1; i >= pos; i--) {
            buf[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        pos += digits;
    }

    private void put(byte[] b) {
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
