package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ctflow.avro.ConntrackEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The parser reuses its parse state per thread: nothing of a line, nor of a line that failed after
 * setting every field, may reach the next line's event.
 */
class ConntrackLineParserReuseTest {
    static final Instant FALLBACK = Instant.ofEpochSecond(1_700_000_000L);
    /** Sets every field the parser knows, then fails. */
    static final List<String> FAILING = List.of(
        "[1795711669.000001]\t[UPDATE] ipv4 2 udp 17 29 FOO src=10.0.0.1 dst=10.0.0.2 sport=1 dport=53 packets=1 bytes=60 zone-orig=3 "
            + "[UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=1 packets=0 bytes=0 zone-reply=4 [ASSURED] [OFFLOAD] [HW_OFFLOAD] [X] "
            + "mark=5 secctx=x labels=y zone=7 use=2 id=9 src=10.0.0.3",
        "[1795711669.000002]\t[DESTROY] ipv6 10 icmpv6 58 src=fd00::1 dst=fd00::2 type=128 code=0 id=5 src=fd00::2 dst=fd00::1 type=129 "
            + "code=0 id=5 mark=1 use=1 id=77 bad");
    static final List<String> VALID = new ArrayList<>(ConntrackLineParserPropertyTest.VARIANTS);

    static {
        VALID.add("tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1");
        VALID.add("ipv4     2 unknown  2 src=10.244.1.1 dst=224.0.0.22 src=224.0.0.22 dst=10.244.1.1");
    }

    @Test
    void eachLineParsesAsOnAFreshThread() throws Exception {
        ConntrackLineParser parser = new ConntrackLineParser("n", true);
        List<ConntrackEvent> fresh = new ArrayList<>();
        for (String line : VALID) {
            fresh.add(CompletableFuture.supplyAsync(() -> parseOrNull(parser, line), r -> new Thread(r).start()).get());
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < VALID.size(); i++) {
                for (String bad : FAILING) {
                    assertThrows(ParseException.class, () -> parser.parse(bad, FALLBACK, 1));
                }
                assertEquals(fresh.get(i), parser.parse(VALID.get(i), FALLBACK, 1), VALID.get(i));
                // and right after another valid line of another shape
                assertEquals(fresh.get(i), parser.parse(VALID.get(i), FALLBACK, 1), VALID.get(i));
            }
        }
    }

    static ConntrackEvent parseOrNull(ConntrackLineParser p, String line) {
        try {
            return p.parse(line, FALLBACK, 1);
        } catch (ParseException e) {
            throw new AssertionError(line + ": " + e.getMessage(), e);
        }
    }
}
