package io.ctflow.streams.flow;

import io.ctflow.flow.Protocols;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The two names of the Service address a new connection goes to (protocol, VIP, port): the Services
 * table's key ({@code tcp/10.96.0.10:53}) and the default Service id ({@code 10.96.0.10:53/tcp}).
 * A node's connections go to a few hundred Service addresses, tens of thousands per second: the
 * names are formatted once per address and shared, not twice per connection, and the one a flow
 * keeps ({@code serviceAddress}) is one instance for all of them instead of a String per open flow
 * (BENCHMARKS.md, seventeenth round). A direct-mapped table (a collision replaces the older entry),
 * so its memory is bounded whatever the traffic. Not thread-safe: one per processor.
 */
final class ServiceNames {
    /** The table key and the default id of one Service address. */
    record Names(String tableKey, String address) {}

    static final int SLOT_BITS = 12;
    private final Names[] names = new Names[1 << SLOT_BITS];
    // Each slot's address packed in two longs, with its length, protocol and port: a lookup compares
    // numbers, without following the entry.
    private final long[] lows = new long[1 << SLOT_BITS];
    private final long[] highs = new long[1 << SLOT_BITS];
    private final int[] protoPortLengths = new int[1 << SLOT_BITS];

    /** The names of {@code addr:port} over protocol {@code proto} (the address's position is not moved). */
    Names of(int proto, ByteBuffer addr, int port) {
        int len = addr.remaining();
        if ((len != 4 && len != 16) || proto < 0 || proto > 0xff || port < 0 || port > 0xffff) {
            return names(proto, addr, port); // nothing the kernel prints: not worth a slot
        }
        int at = addr.position();
        long lo = 0;
        long hi = 0;
        for (int i = 0; i < Math.min(len, 8); i++) {
            lo = (lo << 8) | (addr.get(at + i) & 0xff);
        }
        for (int i = 8; i < len; i++) {
            hi = (hi << 8) | (addr.get(at + i) & 0xff);
        }
        int ppl = (proto << 24) | (port << 8) | len; // proto 0-255, port 0-65535
        long mix = (lo * 0x9E3779B97F4A7C15L) ^ (hi * 0xC2B2AE3D27D4EB4FL) ^ (ppl * 0x165667B19E3779F9L);
        int slot = (int) (mix >>> (64 - SLOT_BITS));
        Names known = names[slot];
        if (known != null && lows[slot] == lo && highs[slot] == hi && protoPortLengths[slot] == ppl) {
            return known;
        }
        Names fresh = names(proto, addr, port);
        names[slot] = fresh;
        lows[slot] = lo;
        highs[slot] = hi;
        protoPortLengths[slot] = ppl;
        return fresh;
    }

    private static Names names(int proto, ByteBuffer addr, int port) {
        return new Names(tableKey(proto, addr, port), address(proto, addr, port));
    }

    /** Key of ctflow.services: proto/vip:port. */
    static String tableKey(int proto, ByteBuffer addr, int port) {
        return Protocols.name(proto) + "/" + Addresses.withPort(Addresses.bytes(addr), port);
    }

    /** Default Service id when ctflow.services does not know the address: vip:port/proto. */
    static String address(int proto, ByteBuffer addr, int port) {
        return Addresses.withPort(Addresses.bytes(addr), port) + "/" + Protocols.name(proto);
    }

    void clear() {
        Arrays.fill(names, null);
    }
}
