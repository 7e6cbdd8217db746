package io.ctflow.collector.parse;

import io.ctflow.flow.Protocols;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;

/**
 * Text keys of a Service: the ctflow.services topic key {@code proto/vip:port} (e.g.
 * {@code tcp/10.96.0.10:80}, {@code udp/[fd00::53]:53}) and the default Service id
 * {@code vip:port/proto} (e.g. {@code 10.96.0.10:80/tcp}) used when no Kubernetes name is known.
 * Protocol names are lower case; IPv6 addresses are compressed and bracketed.
 */
public final class ServiceKeys {
    private ServiceKeys() {}

    /** Topic key of an entry: {@code proto/vip:port}. */
    public static String key(ServiceEntry entry) {
        return key(entry.getProtocol(), Addresses.bytes(entry.getVip()), entry.getPort());
    }

    /** Topic key {@code proto/vip:port}. */
    public static String key(Protocol protocol, byte[] vip, int port) {
        return Protocols.name(protocol) + "/" + Addresses.withPort(vip, port);
    }

    /** Topic key {@code proto/vip:port}. */
    public static String key(Protocol protocol, ByteBuffer vip, int port) {
        return key(protocol, Addresses.bytes(vip), port);
    }

    /** Default Service id {@code vip:port/proto}. */
    public static String defaultId(Protocol protocol, byte[] vip, int port) {
        return Addresses.withPort(vip, port) + "/" + Protocols.name(protocol);
    }

    /** Default Service id {@code vip:port/proto}. */
    public static String defaultId(Protocol protocol, ByteBuffer vip, int port) {
        return defaultId(protocol, Addresses.bytes(vip), port);
    }
}
