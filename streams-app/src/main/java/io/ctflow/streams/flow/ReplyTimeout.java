package io.ctflow.streams.flow;

import io.ctflow.flow.Protocols;
import java.time.Duration;

/** How long, in event time, a NATed entry may stay unreplied before it is judged: per protocol. */
public record ReplyTimeout(Duration tcp, Duration udp, Duration other) {
    public long micros(int protocolNumber) {
        Duration d = switch (protocolNumber) {
            case Protocols.TCP -> tcp;
            case Protocols.UDP, Protocols.UDPLITE -> udp;
            default -> other;
        };
        return d.toNanos() / 1000;
    }
}
