package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.L3Protocol;
import io.ctflow.collector.capture.Capture;
import io.ctflow.flow.Protocols;
import io.ctflow.testing.Captures;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over 100 000 seeded mutations of real conntrack lines (every line of the shipped captures and the
 * parser test's variants), written to a capture file and read the way the collector reads one
 * ({@link Capture#events}): truncations, bit flips, swapped, repeated and dropped fields, huge
 * numbers, invalid addresses, invalid UTF-8 and 1 MB lines. Properties:
 * <ul>
 * <li>nothing but ParseException leaves the parser, and nothing hangs;</li>
 * <li>every line is either an event or a dead letter with a reason, its file and its line number;</li>
 * <li>an accepted line is really valid: rendered back as conntrack prints it, it parses to the same event.</li>
 * </ul>
 * The seed is fixed, so a failure reproduces; the failing line is in the message.
 */
class ConntrackLineParserPropertyTest {
    static final long SEED = 20261201L;
    static final int MUTATIONS = 100_000;
    static final int HUGE_LINES = 8;
    static final String NODE = "fuzz";

    static final List<String> VARIANTS = List.of(
        "ipv4     2 unknown  2 592 src=10.244.1.1 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=10.244.1.1 mark=0 zone=0 use=2",
        "[1795711669.000001]\t    [NEW] ipv6     10 tcp      6 120 SYN_SENT src=fd00::1 dst=fd00:96::10 sport=40000 dport=80 "
            + "[UNREPLIED] src=fd00::2 dst=fd00::1 sport=8080 dport=40000 id=42",
        "ipv6     10 tcp      6 117 TIME_WAIT src=fd00:0000:0000:0000:0000:0000:0000:0001 dst=fd00:0000:0000:0000:0000:0000:0000:0010 "
            + "sport=40000 dport=80 src=fd00:0000:0000:0000:0000:0000:0000:0002 dst=fd00::1 sport=8080 dport=40000 [ASSURED] mark=0 zone=0 use=2",
        "tcp      6 431999 ESTABLISHED src=::ffff:10.0.0.1 dst=2001:db8::1 sport=1 dport=2 src=2001:db8::1 dst=::ffff:10.0.0.1 sport=2 "
            + "dport=1 [ASSURED] mark=0 use=1",
        "[DESTROY] icmp     1 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=1234 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=1234 mark=0 "
            + "use=1 id=99",
        "ipv6     10 icmpv6   58 29 src=fd00::1 dst=fd00::2 type=128 code=0 id=5 [UNREPLIED] src=fd00::2 dst=fd00::1 type=129 code=0 "
            + "id=5 mark=0 zone=0 use=2",
        "[1795711669.996532]\t    [NEW] ipv4     2 unknown  112 600 src=10.0.0.1 dst=224.0.0.18 [UNREPLIED] src=224.0.0.18 dst=10.0.0.1 id=5",
        "    [NEW] ipv4     2 sctp     132 3 COOKIE_WAIT src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=6000 [UNREPLIED] src=10.0.0.2 "
            + "dst=10.0.0.1 sport=6000 dport=5000 id=11",
        "dccp     33 120 PARTOPEN src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 mark=0 use=1",
        "ipv4     2 gre      47 179 src=10.0.0.1 dst=10.0.0.2 srckey=0x0 dstkey=0x1a2b src=10.0.0.2 dst=10.0.0.1 srckey=0x1a2b "
            + "dstkey=0x0 [ASSURED] mark=0 zone=0 use=2",
        "ipv4     2 udp      17 29 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=53 packets=1 bytes=60 [UNREPLIED] src=10.0.0.2 "
            + "dst=10.0.0.1 sport=53 dport=1 packets=0 bytes=0 mark=0 zone=0 use=2",
        "[UPDATE] tcp      6 120 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 zone-orig=5 src=10.0.0.2 dst=10.0.0.1 "
            + "sport=2 dport=1 zone-reply=6 [ASSURED] mark=4294967295 secmark=0 secctx=system_u:object_r:x labels=a,b use=1",
        "[1795711669.5123  ]\t[NEW] tcp 6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 [UNREPLIED] src=10.0.0.2 "
            + "dst=10.0.0.1 sport=2 dport=1 [start=Thu Jan  1 00:00:00 1970] [OFFLOAD] [HW_OFFLOAD] [FOO] id=7");
    static final String[] BAD_ADDRESSES = {
        "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", "", "::g", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", ":::",
        "::ffff:1.2.3.256", "1.2.3.4/32", "[::1]", "10.0.0.1:80", "\u0661.2.3.4", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffff",
    };
    static final String[] NUMBERS = {
        "0", "-1", "+1", "65535", "65536", "255", "256", "4294967295", "4294967296", "9223372036854775807",
        "9223372036854775808", "99999999999999999999999999999999", "0x10", "1e3", "007", "\u0661",
    };
    static final byte[][] BAD_UTF8 = {
        {(byte) 0xc3, 0x28}, {(byte) 0xff}, {(byte) 0xfe, (byte) 0xff}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
        {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0xc0, (byte) 0xaf}, {0},
    };
    static final List<String> SEEDS = new ArrayList<>();
    static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile(" +");
    static final java.util.regex.Pattern NUMERIC_FIELD = java.util.regex.Pattern.compile("[a-z-]+=\\d+");

    @TempDir
    Path dir;

    @BeforeAll
    static void seeds() throws IOException {
        Set<String> all = new LinkedHashSet<>();
        for (String scenario : Captures.SCENARIOS) {
            try (Stream<Path> files = Files.list(Captures.scenario(scenario))) {
                for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                    String name = f.getFileName().toString();
                    if (name.startsWith("events-") || name.startsWith("proc-")) {
                        Files.readAllLines(f, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).forEach(all::add);
                    }
                }
            }
        }
        all.addAll(VARIANTS);
        SEEDS.addAll(all);
    }

    @Test
    @Timeout(60)
    void mutatedLinesAreEventsThatRoundTripOrDeadLettersWithAReason() throws IOException {
        Random rnd = new Random(SEED);
        List<byte[]> lines = new ArrayList<>(MUTATIONS + SEEDS.size() + HUGE_LINES);
        SEEDS.forEach(s -> lines.add(s.getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i < MUTATIONS; i++) {
            lines.add(mutate(SEEDS.get(rnd.nextInt(SEEDS.size())), rnd));
        }
        for (int i = 0; i < HUGE_LINES; i++) {
            lines.add(huge(SEEDS.get(rnd.nextInt(SEEDS.size())), rnd, i % 2 == 0 ? 1 << 20 : ConntrackLineParser.MAX_LINE_CHARS - 200));
        }
        Path file = dir.resolve("events-" + NODE + ".txt");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            for (byte[] l : lines) {
                out.write(l);
                out.write('\n');
            }
        }
        // Lines as the reader sees them: UTF-8 with malformed bytes replaced.
        List<String> decoded = new ArrayList<>(lines.size());
        int nonBlank = 0;
        for (byte[] l : lines) {
            String s = new String(l, StandardCharsets.UTF_8);
            decoded.add(s);
            if (!s.isBlank()) {
                nonBlank++;
            }
        }
        ConntrackLineParser parser = new ConntrackLineParser(NODE, false);
        int parsedDirectly = 0;
        for (String s : decoded) {
            try {
                parser.parse(s, Instant.EPOCH, 1);
                parsedDirectly++;
            } catch (ParseException e) {
                // a reason: checked on the dead letters below
            } catch (RuntimeException | Error e) {
                throw new AssertionError("line " + escape(s) + " threw " + e, e);
            }
        }

        List<DeadLetter> deadLetters = new ArrayList<>();
        List<ConntrackEvent> events = new ArrayList<>();
        Iterator<ConntrackEvent> it = Capture.open(dir).events(false, deadLetters::add);
        while (it.hasNext()) {
            events.add(it.next());
        }
        assertEquals(nonBlank, events.size() + deadLetters.size(), "every non-blank line is an event or a dead letter");
        assertEquals(parsedDirectly, events.size());
        assertTrue(events.size() > 10_000 && deadLetters.size() > 40_000,
                "the mix exercises both sides: " + events.size() + " events, " + deadLetters.size() + " dead letters");

        long lastPosition = 0;
        for (DeadLetter d : deadLetters) {
            String line = decoded.get((int) d.getPosition() - 1);
            assertTrue(d.getPosition() > lastPosition, "dead letters in line order");
            lastPosition = d.getPosition();
            assertEquals(NODE, d.getNode());
            assertEquals(file.getFileName().toString(), d.getSource());
            assertTrue(d.getReason() != null && !d.getReason().isBlank() && d.getReason().length() < 200,
                    () -> "reason '" + d.getReason() + "' for " + escape(line));
            byte[] raw = line.getBytes(StandardCharsets.UTF_8);
            assertEquals(Math.min(raw.length, 64 * 1024), d.getRaw().remaining(), "raw bytes of line " + d.getPosition());
        }

        ConntrackLineParser reparser = new ConntrackLineParser(NODE, false);
        for (ConntrackEvent e : events) {
            assertValid(e);
            String rendered = ConntrackLineRenderer.render(e);
            ConntrackEvent again;
            try {
                again = reparser.parse(rendered, Instant.EPOCH, e.getSequence());
            } catch (ParseException ex) {
                throw new AssertionError("accepted event renders as " + escape(rendered) + ", which does not parse: " + ex.getMessage());
            }
            assertEquals(e, again, () -> "round trip of " + escape(rendered));
        }
    }

    /** What any accepted event must satisfy, whatever the line looked like. */
    static void assertValid(ConntrackEvent e) {
        int len = e.getOriginal().getSrc().remaining();
        assertTrue(len == 4 || len == 16);
        for (var t : List.of(e.getOriginal(), e.getReply())) {
            assertEquals(len, t.getSrc().remaining());
            assertEquals(len, t.getDst().remaining());
            if (Protocols.hasPortFields(e.getProtocol())) {
                assertTrue(t.getSrcPort() != null && t.getDstPort() != null && t.getSrcPort() <= 65535 && t.getDstPort() <= 65535);
            }
        }
        assertEquals(len == 4 ? L3Protocol.IPV4 : L3Protocol.IPV6, e.getL3(), "layer 3 agrees with the addresses");
        assertTrue(e.getProtocolNumber() >= 0 && e.getProtocolNumber() <= 255);
        assertEquals(Protocols.of(e.getProtocolNumber()), e.getProtocol());
    }

    static byte[] mutate(String seed, Random rnd) {
        String s = seed;
        byte[] bytes = null;
        int n = 1 + rnd.nextInt(3);
        for (int m = 0; m < n; m++) {
            if (bytes != null) {
                s = new String(bytes, StandardCharsets.UTF_8);
                bytes = null;
            }
            List<String> fields = new ArrayList<>(List.of(SPACES.split(s, -1)));
            switch (rnd.nextInt(10)) {
                case 0 -> s = s.substring(0, rnd.nextInt(s.length() + 1)); // truncation
                case 1 -> { // bit flip
                    bytes = s.getBytes(StandardCharsets.UTF_8);
                    if (bytes.length > 0) {
                        bytes[rnd.nextInt(bytes.length)] ^= (byte) (1 << rnd.nextInt(8));
                    }
                }
                case 2 -> { // swapped fields
                    int a = rnd.nextInt(fields.size());
                    int b = rnd.nextInt(fields.size());
                    String f = fields.get(a);
                    fields.set(a, fields.get(b));
                    fields.set(b, f);
                    s = String.join(" ", fields);
                }
                case 3 -> { // repeated field
                    fields.add(rnd.nextInt(fields.size() + 1), fields.get(rnd.nextInt(fields.size())));
                    s = String.join(" ", fields);
                }
                case 4 -> { // dropped field
                    fields.remove(rnd.nextInt(fields.size()));
                    s = String.join(" ", fields);
                }
                case 5 -> s = replaceValue(fields, rnd, NUMBERS, f -> NUMERIC_FIELD.matcher(f).matches()); // huge and odd numbers
                case 6 -> s = replaceValue(fields, rnd, BAD_ADDRESSES, f -> f.startsWith("src=") || f.startsWith("dst="));
                case 7 -> { // invalid UTF-8
                    byte[] b = s.getBytes(StandardCharsets.UTF_8);
                    byte[] bad = BAD_UTF8[rnd.nextInt(BAD_UTF8.length)];
                    int at = rnd.nextInt(b.length + 1);
                    bytes = new byte[b.length + bad.length];
                    System.arraycopy(b, 0, bytes, 0, at);
                    System.arraycopy(bad, 0, bytes, at, bad.length);
                    System.arraycopy(b, at, bytes, at + bad.length, b.length - at);
                }
                case 8 -> { // a key renamed into another
                    String[] keys = {"src", "dst", "sport", "dport", "id", "type", "code", "zone", "mark", "use", "packets", "srckey"};
                    int i = rnd.nextInt(fields.size());
                    int eq = fields.get(i).indexOf('=');
                    if (eq > 0) {
                        fields.set(i, keys[rnd.nextInt(keys.length)] + fields.get(i).substring(eq));
                    }
                    s = String.join(" ", fields);
                }
                default -> { // digits changed in place (keeps the shape, changes values)
                    char[] c = s.toCharArray();
                    for (int k = 0; k < 3 && c.length > 0; k++) {
                        int at = rnd.nextInt(c.length);
                        if (Character.isDigit(c[at])) {
                            c[at] = (char) ('0' + rnd.nextInt(10));
                        }
                    }
                    s = new String(c);
                }
            }
        }
        byte[] out = bytes != null ? bytes : s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < out.length; i++) {
            if (out[i] == '\n' || out[i] == '\r') {
                out[i] = ' '; // one input line stays one line of the file
            }
        }
        return out;
    }

    private static String replaceValue(List<String> fields, Random rnd, String[] values, java.util.function.Predicate<String> which) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            if (which.test(fields.get(i))) {
                candidates.add(i);
            }
        }
        if (!candidates.isEmpty()) {
            int i = candidates.get(rnd.nextInt(candidates.size()));
            String f = fields.get(i);
            fields.set(i, f.substring(0, f.indexOf('=') + 1) + values[rnd.nextInt(values.length)]);
        }
        return String.join(" ", fields);
    }

    /** A real line grown to about {@code size} chars with unknown keys (accepted while under the limit). */
    static byte[] huge(String seed, Random rnd, int size) {
        StringBuilder sb = new StringBuilder(size + 64).append(seed);
        while (sb.length() < size - 16) {
            sb.append(" x").append(rnd.nextInt(1000)).append("=").append(rnd.nextInt(1_000_000));
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.substring(0, Math.min(s.length(), 300)).toCharArray()) {
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return sb.append(s.length() > 300 ? "...\"" : "\"").toString();
    }
}
