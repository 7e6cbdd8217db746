package io.ctflow.cli.simulate;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

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

    /** The longest line: four IPv6 addresses and every field at its widest. */
    static final int MAX_LINE = 512;

    /** Where {@link #event(Connection, int, long)} and {@link #lost(long)} render. */
    final byte[] scratch = new byte[MAX_LINE];
    private byte[] buf;
    private int pos;

    /** Renders into {@link #scratch}; returns the length. */
    int event(Connection c, int index, long printedMicros) {
        return event(scratch, 0, c, index, printedMicros);
    }

    /** Renders into {@link #scratch}; returns the length. */
    int lost(long printedMicros) {
        return lost(scratch, 0, printedMicros);
    }

    /**
     * Renders event {@code index} of {@code c} with the node's printed time into {@code out} at
     * {@code at} (room for {@link #MAX_LINE} bytes); returns the position after the line.
     */
    int event(byte[] out, int at, Connection c, int index, long printedMicros) {
        Step s = c.step[index];
        int v = c.view[index];
        buf = out;
        pos = at;
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
        // An entry's tuples and id never change: rendered at its first event, copied after that.
        byte[] client = c.client.text(c.ipv6);
        boolean icmp = c.echo();
        int mark = pos;
        if (c.origTuple[v] != null) {
            put(c.origTuple[v]);
        } else {
            tuple(client, c.origDstText[v], c.clientPort, c.origDport[v], icmp ? (c.ipv6 ? ECHO6_REQUEST : ECHO_REQUEST) : null);
            c.origTuple[v] = Arrays.copyOfRange(buf, mark, pos);
        }
        put(s.unreplied ? UNREPLIED : SPACE);
        mark = pos;
        if (c.replyTuple != null) {
            put(c.replyTuple);
        } else {
            tuple(c.replySrcText, client, icmp ? c.clientPort : c.replySport, c.clientPort,
                icmp ? (c.ipv6 ? ECHO6_REPLY : ECHO_REPLY) : null);
            c.replyTuple = Arrays.copyOfRange(buf, mark, pos);
        }
        put(s.assured ? ASSURED : SPACE);
        mark = pos;
        if (c.idText[v] != null) {
            put(c.idText[v]);
        } else {
            put(ID);
            number(c.conntrackId[v]);
            buf[pos++] = '\n';
            c.idText[v] = Arrays.copyOfRange(buf, mark, pos);
        }
        return pos;
    }

    private static final byte[] SPACE = ascii(" ");

    /** {@code [sec.micros] lost events (ENOBUFS)}: where a burst of events was dropped. */
    int lost(byte[] out, int at, long printedMicros) {
        buf = out;
        pos = at;
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

    private long lastSecond = Long.MIN_VALUE;
    private byte[] lastSecondText;

    private void timestamp(long micros) {
        buf[pos++] = '[';
        long second = Math.floorDiv(micros, 1_000_000L);
        if (second != lastSecond) {
            int mark = pos;
            number(second);
            lastSecond = second;
            lastSecondText = Arrays.copyOfRange(buf, mark, pos);
        } else {
            put(lastSecondText);
        }
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
        if (v > Integer.MAX_VALUE) { // conntrack ids and seconds: split off the low 9 digits
            long high = v / 1_000_000_000L;
            number(high);
            int low = (int) (v - high * 1_000_000_000L);
            for (int i = pos + 8; i >= pos; i--) {
                buf[i] = (byte) ('0' + low % 10);
                low /= 10;
            }
            pos += 9;
            return;
        }
        int x = (int) v;
        int digits = x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : x < 10000 ? 4 : x < 100000 ? 5 : x < 1000000 ? 6
            : x < 10000000 ? 7 : x < 100000000 ? 8 : x < 1000000000 ? 9 : 10;
        for (int i = pos + digits - 1; i >= pos; i--) {
            buf[i] = (byte) ('0' + x % 10);
            x /= 10;
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
