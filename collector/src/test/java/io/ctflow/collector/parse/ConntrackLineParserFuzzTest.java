package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.testing.Captures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Whatever the input string, the parser returns an event or throws ParseException with a short
 * reason; never another exception. Seeds are fixed so a failure reproduces.
 */
class ConntrackLineParserFuzzTest {
    private static final Instant FALLBACK = Instant.parse("2026-01-01T00:00:00Z");
    private static final String ALPHABET = "[]=.:- \t\r\n0123456789abcdefxABCDEF_srcdtpoukny/,\u0000\u007f\u00ff\u2028\ud800\udc00\ufffd";
    private static final String[] TOKENS = {
        "[NEW]", "[UPDATE]", "[DESTROY]", "[UNREPLIED]", "[ASSURED]", "[OFFLOAD]", "[X]", "[", "]", "ipv4", "2", "ipv6",
        "10", "tcp", "6", "udp", "17", "icmp", "1", "icmpv6", "58", "gre", "47", "unknown", "SYN_SENT", "src=10.0.0.1",
        "dst=10.0.0.2", "src=fd00::1", "dst=fd00::2", "sport=1", "dport=65535", "sport=65536", "type=8", "code=0",
        "id=1", "id=4294967296", "srckey=0x1", "dstkey=0xffff", "packets=1", "bytes=99999999999999999999", "mark=0",
        "zone=0", "use=1", "zone-orig=1", "labels=", "secctx=", "=", "==", "src=", "[1795711669.996532]", "[1.]",
        "[start=Thu Jan  1 00:00:00 1970]",
    };

    private static final String VALID = "tcp 6 1 CLOSE src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 "
        + "sport=2 dport=1";
    private static final List<String> SEEDS = new ArrayList<>();

    @BeforeAll
    static void seeds() throws IOException {
        for (String scenario : Captures.SCENARIOS) {
            try (Stream<Path> files = Files.list(Captures.scenario(scenario))) {
                for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                    String name = f.getFileName().toString();
                    if (name.startsWith("events-") || name.startsWith("proc-")) {
                        SEEDS.addAll(Files.readAllLines(f, StandardCharsets.UTF_8).subList(0, 2));
                    }
                }
            }
        }
        SEEDS.add("icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=1234 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 "
            + "type=0 code=0 id=1234 mark=0 use=1");
        SEEDS.add("ipv6     10 icmpv6   58 29 src=fd00::1 dst=fd00::2 type=128 code=0 id=5 [UNREPLIED] src=fd00::2 "
            + "dst=fd00::1 type=129 code=0 id=5 mark=0 zone=0 use=2");
        SEEDS.add("ipv4     2 gre      47 179 src=10.0.0.1 dst=10.0.0.2 srckey=0x0 dstkey=0x1a2b src=10.0.0.2 "
            + "dst=10.0.0.1 srckey=0x1a2b dstkey=0x0 [ASSURED] mark=0 zone=0 use=2");
        SEEDS.add("tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 packets=3 bytes=180 "
            + "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 packets=2 bytes=120 [OFFLOAD] mark=0 use=1 id=5 labels=a,b");
    }

    private final ConntrackLineParser parser = new ConntrackLineParser("n", true);
    private int parsed;
    private int rejected;

    /** Parses, asserting the only failure is a ParseException with a short reason. */
    private void check(String input) {
        try {
            ConntrackEvent e = parser.parse(input, FALLBACK, 1);
            assertTrue(e.getOriginal() != null && e.getReply() != null);
            parsed++;
        } catch (ParseException e) {
            String reason = e.getMessage();
            assertTrue(reason != null && !reason.isBlank() && reason.length() < 200, () -> "reason: " + reason);
            rejected++;
        } catch (RuntimeException | Error e) {
            throw new AssertionError("input " + escape(input) + " threw " + e, e);
        }
    }

    @Test
    void randomStrings() {
        Random rnd = new Random(1);
        for (int i = 0; i < 3000; i++) {
            int len = rnd.nextInt(i % 10 == 0 ? 2000 : 120);
            StringBuilder sb = new StringBuilder(len);
            for (int j = 0; j < len; j++) {
                sb.append(rnd.nextInt(8) == 0 ? (char) rnd.nextInt(0x10000) : ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
            }
            check(sb.toString());
        }
        assertEquals(3000, parsed + rejected);
    }

    @Test
    void randomTokenSequences() {
        Random rnd = new Random(2);
        for (int i = 0; i < 3000; i++) {
            int n = rnd.nextInt(30);
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < n; j++) {
                sb.append(TOKENS[rnd.nextInt(TOKENS.length)]).append(rnd.nextInt(5) == 0 ? "\t" : " ");
            }
            check(sb.toString());
        }
    }

    @Test
    void mutatedRealLines() {
        Random rnd = new Random(3);
        for (int i = 0; i < 4000; i++) {
            StringBuilder sb = new StringBuilder(SEEDS.get(rnd.nextInt(SEEDS.size())));
            int mutations = 1 + rnd.nextInt(4);
            for (int m = 0; m < mutations && sb.length() > 0; m++) {
                int at = rnd.nextInt(sb.length());
                switch (rnd.nextInt(6)) {
                    case 0: sb.deleteCharAt(at); break;
                    case 1: sb.insert(at, ALPHABET.charAt(rnd.nextInt(ALPHABET.length()))); break;
                    case 2: sb.setCharAt(at, (char) rnd.nextInt(0x80)); break;
                    case 3: sb.setLength(at); break;
                    case 4: sb.insert(at, TOKENS[rnd.nextInt(TOKENS.length)]); break;
                    default: sb.delete(at, Math.min(sb.length(), at + rnd.nextInt(12))); break;
                }
            }
            check(sb.toString());
        }
        assertTrue(parsed > 100, "some mutations stay valid: " + parsed);
        assertTrue(rejected > 1000, "most are rejected: " + rejected);
    }

    @Test
    void shuffledAndDuplicatedTokens() {
        Random rnd = new Random(4);
        for (int i = 0; i < 2000; i++) {
            List<String> words = new ArrayList<>(Arrays.asList(SEEDS.get(rnd.nextInt(SEEDS.size())).split(" +")));
            if (rnd.nextBoolean()) {
                Collections.shuffle(words, rnd);
            } else {
                int k = rnd.nextInt(words.size());
                words.add(rnd.nextInt(words.size()), words.get(k));
                words.remove(rnd.nextInt(words.size()));
            }
            check(String.join(" ", words));
        }
    }

    @Test
    @Timeout(20) // pathological 64 KiB lines must stay linear, not hang the collector
    void degenerateInputs() {
        String[] inputs = {
            "", " ", "\t", "\n", "\r\n", "[", "]", "[]", "[[]]", "=", "==", "[=]", "\u0000", "\ud800", "src=".repeat(1000),
            "tcp 6 " + "src=1.1.1.1 ".repeat(5000), "[".repeat(ConntrackLineParser.MAX_LINE_CHARS),
            "a".repeat(ConntrackLineParser.MAX_LINE_CHARS), "a".repeat(ConntrackLineParser.MAX_LINE_CHARS + 1),
            "9".repeat(100), "[" + "9".repeat(100) + "]", "tcp 6 " + "9".repeat(40), "ipv4 2 tcp 6 1 src=" + "1".repeat(50),
            "tcp 6 1 src=1:2:3:4:5:6:7:8:9 dst=::", "tcp 6 1 src=::ffff:1.2.3.4.5", "tcp 6 1 src=1.2.3.04444",
            VALID + " [a]".repeat(16_000), VALID + " x=1".repeat(16_000), VALID + " [start=1".repeat(7_000) + "]",
            VALID + " [x".repeat(21_000), "ipv4 2 tcp 6 " + "[".repeat(60_000),
        };
        for (String input : inputs) {
            check(input);
        }
        assertEquals(inputs.length, rejected + parsed);
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.substring(0, Math.min(s.length(), 300)).toCharArray()) {
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return sb.append(s.length() > 300 ? "...\"" : "\"").toString();
    }
}
