package io.ctflow.collector.parse;

import io.ctflow.collector.PerThread;
import io.ctflow.flow.Protocols;
import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.L3Protocol;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.Tuple;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Parses one line of conntrack output into a {@link ConntrackEvent}. Accepts what
 * libnetfilter_conntrack's default formatter prints ({@code conntrack -E}/{@code -L}, with or
 * without {@code -o timestamp,id,extended}) and the kernel's {@code /proc/net/nf_conntrack}:
 *
 * <pre>
 * [sec.usec]? [NEW|UPDATE|DESTROY]? (l3name l3num)? l4name l4num timeout? STATE?
 *   src= dst= (sport= dport= | type= code= id= | srckey= dstkey=)? zone-orig=? packets=? bytes=? [UNREPLIED]?
 *   src= dst= ...same for the reply... [ASSURED|OFFLOAD|HW_OFFLOAD]? mark= secctx= zone= ... use= id= labels=
 * </pre>
 *
 * A line without an event tag is a table line (type SNAPSHOT). Unknown {@code key=value} tokens
 * and unknown bracket flags are tolerated; anything else that does not fit is a
 * {@link ParseException}, which is the only exception any input string can cause.
 *
 * <p>The timestamp is read the way conntrack-tools writes it, {@code "[%-8ld.%-6ld]"}: the part
 * after the dot is tv_usec as an integer, left-justified and not zero-padded, so
 * {@code [100.5123  ]} is 100 s + 5123 µs.
 *
 * <p>Hand-written tokenizer (no regex, no split, no substrings except for kept strings) so
 * that one core parses several hundred thousand lines per second. Instances are immutable and
 * thread-safe; the parse state is reused per thread, so a line allocates only what its event
 * keeps (the collector's profile had the parse state's allocation at a quarter of parsing).
 */
public final class ConntrackLineParser {
    /** Longer lines are rejected: a real entry is a few hundred characters. */
    public static final int MAX_LINE_CHARS = 64 * 1024;

    private static final PerThread<Line> LINES = new PerThread<>(Line::new);

    private final String node;
    private final boolean keepRaw;

    /**
     * @param node    node name put in every event
     * @param keepRaw whether to keep the raw line in {@code raw}
     */
    public ConntrackLineParser(String node, boolean keepRaw) {
        this.node = Objects.requireNonNull(node, "node");
        this.keepRaw = keepRaw;
    }

    /**
     * Parses one line (a trailing CR/LF is ignored).
     *
     * @param fallbackTimestamp event time when the line carries no {@code [sec.usec]} timestamp
     * @param sequence          the collector's sequence number for this observation
     * @throws ParseException   with a short reason when the line is not a conntrack entry
     */
    public ConntrackEvent parse(String line, Instant fallbackTimestamp, long sequence) throws ParseException {
        return parseEntry(line, fallbackTimestamp).toEvent(sequence);
    }

    /**
     * Parses one line as {@link #parse} does (same checks, same errors) into this thread's reused
     * parse state, and returns it as a view: valid on this thread until its next parse.
     */
    public ConntrackEntry parseEntry(String line, Instant fallbackTimestamp) throws ParseException {
        Objects.requireNonNull(fallbackTimestamp, "fallbackTimestamp");
        if (line == null) {
            throw new ParseException("no line");
        }
        if (line.length() > MAX_LINE_CHARS) {
            throw new ParseException("line too long (" + line.length() + " chars)");
        }
        Line l = LINES.get().reset(line);
        l.parse();
        l.node = node;
        l.fallback = fallbackTimestamp;
        l.raw = keepRaw ? line : null;
        return l;
    }

    /** One-off form of {@link #parse(String, Instant, long)}. */
    public static ConntrackEvent parse(String line, String node, Instant fallbackTimestamp, long sequence,
                                       boolean keepRaw) throws ParseException {
        return new ConntrackLineParser(node, keepRaw).parse(line, fallbackTimestamp, sequence);
    }

    public String node() {
        return node;
    }

    public boolean keepRaw() {
        return keepRaw;
    }

    // States as the kernel and libnetfilter_conntrack name them (TCP, SCTP, DCCP), so the common
    // ones are shared constants rather than a new String per line.
    private static final String[] KNOWN_STATES = {
        "ESTABLISHED", "TIME_WAIT", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "CLOSE",
        "NONE", "LISTEN", "SYN_SENT2", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "SHUTDOWN_SENT",
        "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT", "HEARTBEAT_ACKED", "REQUEST", "RESPOND",
        "PARTOPEN", "OPEN", "CLOSEREQ", "CLOSING", "TIMEWAIT", "IGNORE", "INVALID",
    };

    private static final int FLAG_UNREPLIED = 1;
    private static final int FLAG_ASSURED = 2;
    private static final int FLAG_OFFLOAD = 4;
    private static final int FLAG_HW_OFFLOAD = 8;
    private static final int FLAG_UNKNOWN = 16;

    /** The fields of one direction as they are read (reused: see {@link #clear}). */
    private static final class TupleParts implements ConntrackEntry.Side {
        // addresses are parsed into these (reused) arrays; a length of 0 is "not seen"
        final byte[] src = new byte[16];
        final byte[] dst = new byte[16];
        int srcLength;
        int dstLength;
        int srcPort;
        int dstPort;
        int icmpType;
        int icmpCode;
        int icmpId;
        long packets;
        long bytes;

        TupleParts clear() {
            srcLength = 0;
            dstLength = 0;
            srcPort = NONE;
            dstPort = NONE;
            icmpType = NONE;
            icmpCode = NONE;
            icmpId = NONE;
            packets = NONE;
            bytes = NONE;
            return this;
        }

        @Override public int addressLength() { return srcLength; }
        @Override public byte[] src() { return src; }
        @Override public byte[] dst() { return dst; }
        @Override public int srcPort() { return srcPort; }
        @Override public int dstPort() { return dstPort; }
        @Override public int icmpType() { return icmpType; }
        @Override public int icmpCode() { return icmpCode; }
        @Override public int icmpId() { return icmpId; }
        @Override public long packets() { return packets; }
        @Override public long bytes() { return bytes; }

        void check(String which, Protocol protocol) throws ParseException {
            if (dstLength == 0) {
                throw new ParseException("no dst in " + which + " tuple");
            }
            if (Protocols.hasPortFields(protocol) && (srcPort < 0 || dstPort < 0)) {
                throw new ParseException("no ports in " + which + " tuple");
            }
            if (Protocols.isIcmp(protocol) && (icmpType < 0 || icmpCode < 0 || icmpId < 0)) {
                throw new ParseException("no icmp type/code/id in " + which + " tuple");
            }
            if (protocol == Protocol.GRE && (srcPort < 0 || dstPort < 0)) {
                throw new ParseException("no gre keys in " + which + " tuple");
            }
            if (srcLength != dstLength) {
                throw new ParseException("mixed IPv4 and IPv6 in " + which + " tuple");
            }
        }

        Tuple toTuple() {
            return new Tuple(ByteBuffer.wrap(Arrays.copyOf(src, srcLength)), ByteBuffer.wrap(Arrays.copyOf(dst, dstLength)),
                boxed(srcPort), boxed(dstPort), boxed(icmpType), boxed(icmpCode), boxed(icmpId), boxed(packets), boxed(bytes));
        }
    }

    /**
     * The {@code [sec.usec]} token {@code s[start, stop)} (brackets included) as conntrack-tools
     * writes it (see above). Shared with {@link LossLine}.
     */
    static Instant bracketTimestamp(String s, int start, int stop) throws ParseException {
        int i = start + 1;
        int end = stop - 1;
        int secStart = i;
        while (i < end && Line.isDigit(s.charAt(i))) {
            i++;
        }
        long sec = LineTokenizer.number(s, secStart, i, 999_999_999_999L);
        while (i < end && s.charAt(i) == ' ') { // "%-8ld" pads short seconds too
            i++;
        }
        long usec = 0;
        if (sec >= 0 && i < end && s.charAt(i) == '.') {
            int usecStart = ++i;
            while (i < end && Line.isDigit(s.charAt(i))) {
                i++;
            }
            usec = LineTokenizer.number(s, usecStart, i, 999_999);
        }
        while (i < end && s.charAt(i) == ' ') {
            i++;
        }
        if (sec < 0 || usec < 0 || i != end) {
            throw new ParseException("bad timestamp '" + new LineTokenizer(s).snippet(start, stop) + "'");
        }
        return Instant.ofEpochSecond(sec, usec * 1000);
    }

    /**
     * Parse state of one line; one per thread, reused: {@link #reset} sets every field, so
     * nothing of a line (nor of one that failed halfway) reaches the next.
     */
    private static final int NONE = ConntrackEntry.NONE;

    private static Integer boxed(int v) {
        return v < 0 ? null : Integer.valueOf(v);
    }

    private static Long boxed(long v) {
        return v < 0 ? null : Long.valueOf(v);
    }

    private static final class Line implements ConntrackEntry {
        // set by parseEntry after a successful parse
        private String node;
        private Instant fallback;
        private String raw;

        private String s;
        private final LineTokenizer t = new LineTokenizer("");
        private final TupleParts first = new TupleParts();
        private final TupleParts second = new TupleParts();

        private Instant timestamp;
        private EventType type = EventType.SNAPSHOT;
        private L3Protocol l3; // null: decided by the addresses
        private Protocol protocol;
        private int protocolNumber;
        private long timeout;
        private String state;

        private TupleParts original;
        private TupleParts reply;
        private TupleParts current;
        // A tuple stays open from src= until a non-tuple token; only while open is id= an ICMP id.
        private boolean tupleOpen;

        private int flagBits;
        private int flagCount;
        private final StatusFlag[] flagOrder = new StatusFlag[5];
        private long conntrackId;
        private long mark;
        private int use;
        private String secctx;
        private String labels;
        private int zone;
        private int zoneOrig;
        private int zoneReply;

        Line reset(String line) {
            node = null;
            fallback = null;
            raw = null;
            s = line;
            t.line(line);
            timestamp = null;
            type = EventType.SNAPSHOT;
            l3 = null;
            protocol = null;
            protocolNumber = 0;
            timeout = NONE;
            state = null;
            original = null;
            reply = null;
            current = null;
            tupleOpen = false;
            flagBits = 0;
            flagCount = 0;
            conntrackId = NONE;
            mark = 0;
            use = NONE;
            secctx = null;
            labels = null;
            zone = NONE;
            zoneOrig = NONE;
            zoneReply = NONE;
            return this;
        }

        void parse() throws ParseException {
            if (!t.next()) {
                throw new ParseException("empty line");
            }
            boolean has = true;
            if (t.isBracket() && t.stop - t.start > 2 && isDigit(s.charAt(t.start + 1))) {
                timestamp = bracketTimestamp();
                has = t.next();
            }
            if (has && t.isBracket()) {
                type = eventType();
                has = t.next();
            }
            if (!has) {
                throw new ParseException("no protocol");
            }
            if (t.isLowerWord() && layer3Follows()) {
                // Entries with IP tuples are ipv4 2 or ipv6 10; any other pair does not describe its addresses.
                if (!t.is("ipv4") && !t.is("ipv6")) {
                    throw new ParseException("unknown layer 3 '" + t.text() + "'");
                }
                l3 = t.is("ipv4") ? L3Protocol.IPV4 : L3Protocol.IPV6;
                t.next();
                if (LineTokenizer.number(s, t.start, t.stop, 255) != (l3 == L3Protocol.IPV4 ? 2 : 10)) {
                    throw new ParseException("bad layer-3 number '" + t.text() + "'");
                }
                has = t.next();
            }
            if (!has) {
                throw new ParseException("no protocol");
            }
            layer4();
            has = t.next();
            if (has && t.isDigits()) {
                long v = LineTokenizer.number(s, t.start, t.stop, 0xffffffffL);
                if (v < 0) {
                    throw new ParseException("timeout out of range '" + t.text() + "'");
                }
                timeout = v;
                has = t.next();
            }
            if (has && t.isUpperWord()) {
                state = stateName();
                has = t.next();
            }
            while (has) {
                bodyToken();
                has = t.next();
            }
            validate();
        }

        @Override
        public ConntrackEvent toEvent(long sequence) {
            return new ConntrackEvent(node, type, timestamp(), boxed(conntrackId), zone(), mark, l3, protocol, protocolNumber,
                state, boxed(timeout()), original.toTuple(), reply.toTuple(), flags(), boxed(use), secctx, labels, sequence, raw);
        }

        // ---- the view (ConntrackEntry) ----

        @Override public String node() { return node; }
        @Override public EventType type() { return type; }
        @Override public Instant timestamp() { return timestamp != null ? timestamp : fallback; }
        @Override public long conntrackId() { return conntrackId; }
        @Override public int zone() { return zone >= 0 ? zone : zoneOrig >= 0 ? zoneOrig : zoneReply >= 0 ? zoneReply : 0; }
        @Override public long mark() { return mark; }
        @Override public L3Protocol l3() { return l3; }
        @Override public Protocol protocol() { return protocol; }
        @Override public int protocolNumber() { return protocolNumber; }
        @Override public String state() { return state; }
        @Override public long timeout() { return type == EventType.DESTROY ? NONE : timeout; }
        @Override public Side original() { return original; }
        @Override public Side reply() { return reply; }
        @Override public int flagCount() { return flagCount; }
        @Override public StatusFlag flag(int i) { return flagOrder[i]; }
        @Override public int use() { return use; }
        @Override public String secctx() { return secctx; }
        @Override public String labels() { return labels; }
        @Override public String raw() { return raw; }

        /** Immutable: no flag (most lines) shares one empty list, one or two are one small object. */
        private List<StatusFlag> flags() {
            return switch (flagCount) {
                case 0 -> List.of();
                case 1 -> List.of(flagOrder[0]);
                case 2 -> List.of(flagOrder[0], flagOrder[1]);
                default -> List.of(Arrays.copyOf(flagOrder, flagCount));
            };
        }

        // ---- header ----

        private Instant bracketTimestamp() throws ParseException {
            return ConntrackLineParser.bracketTimestamp(s, t.start, t.stop);
        }

        private EventType eventType() throws ParseException {
            if (t.bracketIs("NEW")) {
                return EventType.NEW;
            }
            if (t.bracketIs("UPDATE")) {
                return EventType.UPDATE;
            }
            if (t.bracketIs("DESTROY")) {
                return EventType.DESTROY;
            }
            throw new ParseException("unknown event type '" + t.text() + "'");
        }

        // "ipv4 2 tcp 6" (-o extended) versus "unknown 2 592 src=" (no prefix, protocol 2):
        // the layer-3 pair is there when a second "name number" pair follows the first.
        private boolean layer3Follows() throws ParseException {
            int here = t.mark();
            boolean result = t.next() && t.isDigits() && t.next() && t.isLowerWord() && t.next() && t.isDigits();
            t.reset(here);
            return result;
        }

        private void layer4() throws ParseException {
            if (!t.isLowerWord()) {
                throw new ParseException("expected protocol, got '" + t.text() + "'");
            }
            int nameStart = t.start;
            int nameStop = t.stop;
            if (!t.next()) {
                throw new ParseException("no protocol number");
            }
            long number = LineTokenizer.number(s, t.start, t.stop, 255);
            if (number < 0) {
                throw new ParseException("bad protocol number '" + t.text() + "'");
            }
            protocolNumber = (int) number;
            protocol = Protocols.of(protocolNumber);
            String expected = Protocols.name(protocol);
            boolean nameOk = protocol != Protocol.OTHER && nameStop - nameStart == expected.length()
                && s.regionMatches(nameStart, expected, 0, expected.length());
            if (!nameOk && !(nameStop - nameStart == 7 && s.regionMatches(nameStart, "unknown", 0, 7))) {
                Protocol named = Protocols.byName(s.substring(nameStart, nameStop));
                if (named != null && named != protocol) {
                    throw new ParseException("protocol '" + s.substring(nameStart, nameStop) + "' with number " + number);
                }
            }
        }

        private String stateName() {
            int len = t.stop - t.start;
            for (String known : KNOWN_STATES) {
                if (known.length() == len && s.regionMatches(t.start, known, 0, len)) {
                    return known;
                }
            }
            return s.substring(t.start, t.stop);
        }

        // ---- body ----

        private void bodyToken() throws ParseException {
            if (t.isBracket()) {
                flag();
                tupleOpen = false;
                return;
            }
            int eq = t.eq;
            if (eq <= t.start) {
                throw new ParseException("unexpected '" + t.text() + "'");
            }
            int keyLen = eq - t.start;
            if (key("src", keyLen)) {
                TupleParts p = startTuple();
                p.srcLength = address(p.src);
            } else if (key("dst", keyLen)) {
                TupleParts p = tuple("dst");
                p.dstLength = address(p.dst);
            } else if (key("sport", keyLen)) {
                tuple("sport").srcPort = (int) number(65535, "port");
            } else if (key("dport", keyLen)) {
                tuple("dport").dstPort = (int) number(65535, "port");
            } else if (key("id", keyLen)) {
                if (Protocols.isIcmp(protocol) && tupleOpen && current.icmpId < 0) {
                    current.icmpId = (int) number(65535, "icmp id");
                } else {
                    conntrackId = number(0xffffffffL, "id");
                    tupleOpen = false;
                }
            } else if (key("packets", keyLen)) {
                tuple("packets").packets = number(Long.MAX_VALUE, "packets");
            } else if (key("bytes", keyLen)) {
                tuple("bytes").bytes = number(Long.MAX_VALUE, "bytes");
            } else if (key("type", keyLen)) {
                tuple("type").icmpType = (int) number(255, "icmp type");
            } else if (key("code", keyLen)) {
                tuple("code").icmpCode = (int) number(255, "icmp code");
            } else if (key("srckey", keyLen)) {
                tuple("srckey").srcPort = greKey();
            } else if (key("dstkey", keyLen)) {
                tuple("dstkey").dstPort = greKey();
            } else if (key("zone-orig", keyLen)) {
                zoneOrig = (int) number(65535, "zone");
            } else if (key("zone-reply", keyLen)) {
                zoneReply = (int) number(65535, "zone");
            } else {
                tupleOpen = false;
                entryKey(keyLen);
            }
        }

        /** A key of the entry as a whole (not of a tuple); unknown keys are ignored. */
        private void entryKey(int keyLen) throws ParseException {
            if (key("mark", keyLen)) {
                mark = number(0xffffffffL, "mark");
            } else if (key("use", keyLen)) {
                use = (int) number(Integer.MAX_VALUE, "use");
            } else if (key("zone", keyLen)) {
                zone = (int) number(65535, "zone");
            } else if (key("secctx", keyLen)) {
                secctx = s.substring(t.eq + 1, t.stop);
            } else if (key("labels", keyLen)) {
                labels = s.substring(t.eq + 1, t.stop);
            }
        }

        private boolean key(String k, int keyLen) {
            return keyLen == k.length() && s.regionMatches(t.start, k, 0, keyLen);
        }

        private TupleParts startTuple() throws ParseException {
            TupleParts p;
            if (original == null) {
                p = original = first.clear();
            } else if (reply == null) {
                p = reply = second.clear();
            } else {
                throw new ParseException("more than two tuples");
            }
            current = p;
            tupleOpen = true;
            return p;
        }

        private TupleParts tuple(String key) throws ParseException {
            if (current == null) {
                throw new ParseException(key + "= before src=");
            }
            return current;
        }

        /** The value of the current key=value token as an address into {@code into}; its length. */
        private int address(byte[] into) throws ParseException {
            int len = IpLiteral.parseInto(s, t.eq + 1, t.stop, into);
            if (len < 0) {
                throw new ParseException("bad address '" + t.snippet(t.eq + 1, t.stop) + "'");
            }
            return len;
        }

        /** The value of the current key=value token as a decimal number in [0, max]. */
        private long number(long max, String what) throws ParseException {
            long v = LineTokenizer.number(s, t.eq + 1, t.stop, max);
            if (v < 0) {
                throw new ParseException(badNumber(what, max));
            }
            return v;
        }

        private String badNumber(String what, long max) {
            String value = t.snippet(t.eq + 1, t.stop);
            boolean digits = !value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9');
            return digits ? what + " out of range '" + value + "' (max " + max + ")" : "bad " + what + " '" + value + "'";
        }

        private int greKey() throws ParseException {
            long v = LineTokenizer.hexNumber(s, t.eq + 1, t.stop, 0xffff);
            if (v < 0) {
                throw new ParseException("bad gre key '" + t.snippet(t.eq + 1, t.stop) + "'");
            }
            return (int) v;
        }

        private void flag() throws ParseException {
            if (t.bracketIs("UNREPLIED")) {
                addFlag(FLAG_UNREPLIED, StatusFlag.UNREPLIED);
            } else if (t.bracketIs("ASSURED")) {
                addFlag(FLAG_ASSURED, StatusFlag.ASSURED);
            } else if (t.bracketIs("OFFLOAD")) {
                addFlag(FLAG_OFFLOAD, StatusFlag.OFFLOAD);
            } else if (t.bracketIs("HW_OFFLOAD")) {
                addFlag(FLAG_HW_OFFLOAD, StatusFlag.HW_OFFLOAD);
            } else if (contains('=', t.start, t.stop)) {
                // [start=...] [stop=...]: kernel timestamps (-o ktimestamp); event time is [sec.usec] or ours
                return;
            } else if (isFlagWord(t.start + 1, t.stop - 1)) {
                addFlag(FLAG_UNKNOWN, StatusFlag.UNKNOWN);
            } else {
                throw new ParseException("bad flag '" + t.text() + "'");
            }
        }

        private boolean isFlagWord(int from, int to) {
            if (from >= to) {
                return false;
            }
            for (int i = from; i < to; i++) {
                char c = s.charAt(i);
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                    return false;
                }
            }
            return true;
        }

        private void addFlag(int bit, StatusFlag flag) {
            if ((flagBits & bit) == 0) {
                flagBits |= bit;
                flagOrder[flagCount++] = flag;
            }
        }

        // ---- checks ----

        private void validate() throws ParseException {
            if (original == null) {
                throw new ParseException("no original tuple");
            }
            if (reply == null) {
                throw new ParseException("no reply tuple");
            }
            original.check("original", protocol);
            reply.check("reply", protocol);
            int len = original.srcLength;
            if (reply.srcLength != len) {
                throw new ParseException("mixed IPv4 and IPv6 tuples");
            }
            if (l3 == L3Protocol.IPV4 && len != 4) {
                throw new ParseException("ipv4 entry with IPv6 addresses");
            }
            if (l3 == L3Protocol.IPV6 && len != 16) {
                throw new ParseException("ipv6 entry with IPv4 addresses");
            }
            if (l3 == null) {
                l3 = len == 4 ? L3Protocol.IPV4 : L3Protocol.IPV6;
            }
        }

        private boolean contains(char c, int from, int to) {
            for (int i = from; i < to; i++) { // not indexOf: it would scan past the token
                if (s.charAt(i) == c) {
                    return true;
                }
            }
            return false;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }
    }
}
