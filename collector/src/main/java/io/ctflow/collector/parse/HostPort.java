package io.ctflow.collector.parse;

import io.ctflow.avro.Endpoint;
import java.nio.ByteBuffer;

/**
 * {@code address[:port]} as iptables' DNAT {@code --to-destination} and the Service YAML write
 * it: {@code 10.244.1.3:8080}, {@code 10.244.1.3}, {@code [fd00::1]:8080}, {@code [fd00::1]},
 * {@code fd00::1}. Without a port the Service port is kept (that is what DNAT does).
 */
final class HostPort {
    private HostPort() {}

    /** @throws IllegalArgumentException "bad endpoint 'x'" */
    static Endpoint parse(String text, int defaultPort) {
        String s = text == null ? "" : text.trim();
        String host;
        String port = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw bad(text);
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw bad(text);
                }
                port = rest.substring(1);
            }
        } else {
            int first = s.indexOf(':');
            if (first >= 0 && first == s.lastIndexOf(':')) {
                host = s.substring(0, first);
                port = s.substring(first + 1);
            } else {
                host = s; // IPv4 without port, or bare IPv6
            }
        }
        byte[] address = IpLiteral.parse(host);
        if (address == null) {
            throw bad(text);
        }
        int p = port == null ? defaultPort : parsePort(port);
        if (p < 1) {
            throw bad(text);
        }
        return new Endpoint(ByteBuffer.wrap(address), p);
    }

    /** A port 1..65535, or -1. */
    static int parsePort(String s) {
        long v = s == null ? -1 : LineTokenizer.number(s, 0, s.length(), 65535);
        return v < 1 ? -1 : (int) v;
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("bad endpoint '" + text + "'");
    }
}
