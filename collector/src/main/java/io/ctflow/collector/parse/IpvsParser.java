package io.ctflow.collector.parse;

import io.ctflow.avro.Endpoint;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.flow.Protocols;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Services from kube-proxy's IPVS mode: the virtual servers and their real servers, from
 * {@code ipvsadm -Ln} or from {@code /proc/net/ip_vs} (the same layout with hexadecimal addresses
 * and ports; detected from content):
 *
 * <pre>
 * IP Virtual Server version 1.2.1 (size=4096)
 * Prot LocalAddress:Port Scheduler Flags
 *   -&gt; RemoteAddress:Port           Forward Weight ActiveConn InActConn
 * TCP  10.96.0.10:80 rr                                  (proc: TCP  0A60000A:0050 rr)
 *   -&gt; 10.244.1.3:8080              Masq    1      0          0
 * UDP  [fd00::a]:53 rr persistent 10800                 (proc: UDP  [fd00:0000:…:000a]:0035 rr)
 * </pre>
 *
 * Firewall-mark services ({@code FWM}) are skipped. IPVS knows no names: kube-proxy's IPVS mode
 * does not comment each Service in iptables, but where a {@code KUBE-SERVICES} comment names the
 * same vip:port/proto (given as {@code names}) its name is used; otherwise the id is
 * {@code vip:port/proto}. Entries have source {@value #SOURCE}.
 */
public final class IpvsParser {
    public static final String SOURCE = "ipvs";

    /** The Services and the number of virtual plus real servers read. */
    public record Result(List<ServiceEntry> services, int rules) {}

    private IpvsParser() {}

    /**
     * @param names entries by {@link ServiceKeys#key} whose id, namespace, name and port name are used
     *              for the same key (e.g. {@link IptablesNatParser#parse} of the node's rules); may be empty
     * @return entries sorted by id, then by topic key
     * @throws IllegalArgumentException naming the line, for a bad address or port
     */
    public static Result parse(String text, Map<String, ServiceEntry> names, String node, Instant timestamp) {
        String[] lines = text.split("\r?\n", -1);
        boolean hex = isProcFormat(lines);
        Map<String, ServiceEntry> byKey = new LinkedHashMap<>();
        ServiceEntry current = null;
        int rules = 0;
        for (int n = 1; n <= lines.length; n++) {
            String line = lines[n - 1].strip();
            if (line.isEmpty() || line.startsWith("IP Virtual Server") || line.startsWith("Prot ")
                    || line.startsWith("-> RemoteAddress")) {
                continue;
            }
            String[] words = line.split("\\s+");
            if (words[0].equals("->")) {
                if (current != null && words.length >= 2) {
                    rules++;
                    byte[][] addr = new byte[1][];
                    int port = address(words[1], hex, n, addr);
                    Endpoint e = new Endpoint(ByteBuffer.wrap(addr[0]), port);
                    if (!current.getEndpoints().contains(e)) {
                        current.getEndpoints().add(e);
                    }
                }
                continue;
            }
            current = null;
            Protocol protocol = words.length >= 2 ? Protocols.byName(words[0].toLowerCase(Locale.ROOT)) : null;
            if (protocol == null) {
                continue; // FWM, or something this parser does not know
            }
            rules++;
            byte[][] addr = new byte[1][];
            int port = address(words[1], hex, n, addr);
            String key = ServiceKeys.key(protocol, addr[0], port);
            ServiceEntry named = names.get(key);
            current = byKey.get(key);
            if (current == null) {
                current = new ServiceEntry(named != null ? named.getId() : ServiceKeys.defaultId(protocol, addr[0], port),
                        named == null ? null : named.getNamespace(), named == null ? null : named.getName(),
                        named == null ? null : named.getPortName(), ByteBuffer.wrap(addr[0]), port, protocol,
                        new ArrayList<>(), null, SOURCE, node, timestamp);
                byKey.put(key, current);
            }
        }
        List<ServiceEntry> out = new ArrayList<>(byKey.values());
        out.sort(Comparator.comparing(ServiceEntry::getId).thenComparing(ServiceKeys::key));
        return new Result(out, rules);
    }

    /** Whether the text holds at least one virtual server (kube-proxy's dummy-only state has none). */
    public static boolean hasServices(String text) {
        for (String line : text.split("\n")) {
            String s = line.strip();
            int space = s.indexOf(' ');
            if (space > 0 && Protocols.byName(s.substring(0, space).toLowerCase(Locale.ROOT)) != null
                    && !s.startsWith("Prot ")) {
                return true;
            }
        }
        return false;
    }

    // /proc/net/ip_vs prints IPv4 as 8 hex digits and IPv6 in full (8 groups of 4), ports as 4 hex digits.
    private static boolean isProcFormat(String[] lines) {
        for (String l : lines) {
            String[] w = l.strip().split("\\s+");
            if (w.length >= 2 && (w[0].equals("->") || Protocols.byName(w[0].toLowerCase(Locale.ROOT)) != null)
                    && !w[1].startsWith("RemoteAddress")) {
                String a = w[1];
                int colon = a.lastIndexOf(':');
                String host = colon < 0 ? a : a.substring(0, colon);
                return colon == a.length() - 5 && (host.matches("[0-9A-Fa-f]{8}")
                        || host.matches("\\[[0-9a-fA-F]{4}(:[0-9a-fA-F]{4}){7}]"));
            }
        }
        return false;
    }

    /** Parses {@code host:port} into {@code out[0]} and returns the port. */
    private static int address(String text, boolean hex, int line, byte[][] out) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw bad(line, text);
        }
        String host = text.substring(0, colon);
        String portText = text.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        if (hex) {
            try {
                port = Integer.parseInt(portText, 16);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (host.indexOf(':') < 0) {
                long v = host.length() == 8 ? Long.parseLong(host, 16) : -1;
                out[0] = v < 0 ? null : new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
            } else {
                out[0] = IpLiteral.parse(host);
            }
        } else {
            port = HostPort.parsePort(portText);
            out[0] = IpLiteral.parse(host);
        }
        if (out[0] == null || port < 1 || port > 65535) {
            throw bad(line, text);
        }
        return port;
    }

    private static IllegalArgumentException bad(int line, String text) {
        return new IllegalArgumentException("line " + line + ": bad address '" + text + "'");
    }

    /** Topic keys to entries, for {@code names}. */
    public static Map<String, ServiceEntry> byKey(List<ServiceEntry> entries) {
        Map<String, ServiceEntry> out = new LinkedHashMap<>();
        for (ServiceEntry e : entries) {
            out.putIfAbsent(ServiceKeys.key(e), e);
        }
        return out;
    }
}
