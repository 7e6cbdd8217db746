package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReplyTimeoutTest {
    @Test
    void perProtocolInMicros() {
        ReplyTimeout t = new ReplyTimeout(Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofMillis(1500));
        assertEquals(3_000_000, t.micros(6));
        assertEquals(5_000_000, t.micros(17));
        assertEquals(5_000_000, t.micros(136), "udplite is udp");
        assertEquals(1_500_000, t.micros(1));
        assertEquals(1_500_000, t.micros(132));
    }
}
