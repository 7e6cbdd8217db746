package io.ctflow.collector.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.avro.Endpoint;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.parse.ConntrackEntry;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which entries a Services table could have touched: each rule on a line as conntrack prints it. */
class ServiceTrafficTest {
    /** web 10.96.0.10:80/tcp -> 10.244.1.3:8080; dns 10.96.0.53:53/udp -> 10.244.1.3:5353; v6 [fd00::10]:443/tcp -> [fd00:1::3]:8443; empty 10.96.0.77:80/tcp. */
    static final List<ServiceEntry> TABLE = List.of(
            service("default/web:http", "10.96.0.10", 80, Protocol.TCP, "10.244.1.3", 8080),
            service("kube-system/kube-dns:dns", "10.96.0.53", 53, Protocol.UDP, "10.244.1.3", 5353),
            service("default/web6:https", "fd00::10", 443, Protocol.TCP, "fd00:1::3", 8443),
            service("default/gone:http", "10.96.0.77", 80, Protocol.TCP, null, 0),
            // an nftables NodePort: one entry per address of nodeport-ips
            service("default/web:http", "10.0.12.12", 30080, Protocol.TCP, "10.244.1.3", 8080));

    static ServiceEntry service(String id, String vip, int port, Protocol p, String endpoint, int endpointPort) {
        List<Endpoint> eps = endpoint == null ? List.of() : List.of(new Endpoint(ByteBuffer.wrap(Addresses.parse(endpoint)), endpointPort));
        return new ServiceEntry(id, null, null, null, ByteBuffer.wrap(Addresses.parse(vip)), port, p, eps, null, "iptables", "n1",
                Instant.EPOCH);
    }

    /** A TCP SYN_SENT line (UDP: "udp 17"), original src/dst and reply src/dst as given. */
    static String line(String proto, String family, String src, String dst, int dport, String rsrc, int rsport) {
        String head = switch (proto) {
            case "tcp" -> family + " " + (family.equals("ipv4") ? 2 : 10) + " tcp      6 120 SYN_SENT";
            case "udp" -> family + " " + (family.equals("ipv4") ? 2 : 10) + " udp      17 30";
            default -> throw new IllegalArgumentException(proto);
        };
        return "[1700000000.100000]\t    [NEW] " + head + " src=" + src + " dst=" + dst + " sport=40000 dport=" + dport
                + " [UNREPLIED] src=" + rsrc + " dst=" + src + " sport=" + rsport + " dport=40000 id=11";
    }

    static ConntrackEntry parse(String line) throws Exception {
        return new ConntrackLineParser("n1", false).parseEntry(line, Instant.EPOCH);
    }

    static boolean touches(ServiceTraffic t, String line) throws Exception {
        boolean entry = t.touches(parse(line));
        boolean event = t.touches(ConntrackLineParser.parse(line, "n1", Instant.EPOCH, 1, false));
        assertEquals(entry, event, "a parsed entry and its event are judged alike: " + line);
        return entry;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ClusterIP, DNATed on the client's node             | tcp | ipv4 | 10.244.1.2 | 10.96.0.10 | 80    | 10.244.1.3 | 8080 | true
            ClusterIP not DNATed (a Service without endpoints) | tcp | ipv4 | 10.244.1.2 | 10.96.0.77 | 80    | 10.96.0.77 | 80   | true
            endpoint: the backend node's un-NATed view        | tcp | ipv4 | 10.244.2.2 | 10.244.1.3 | 8080  | 10.244.1.3 | 8080 | true
            endpoint's address at another port                 | tcp | ipv4 | 10.244.2.2 | 10.244.1.3 | 9090  | 10.244.1.3 | 9090 | false
            Service address at another port                    | tcp | ipv4 | 10.244.2.2 | 10.96.0.10 | 81    | 10.96.0.10 | 81   | false
            UDP endpoint                                       | udp | ipv4 | 10.244.1.2 | 10.244.1.3 | 5353  | 10.244.1.3 | 5353 | true
            TCP to a UDP endpoint's address and port           | tcp | ipv4 | 10.244.1.2 | 10.244.1.3 | 5353  | 10.244.1.3 | 5353 | false
            UDP to a TCP Service                               | udp | ipv4 | 10.244.1.2 | 10.96.0.10 | 80    | 10.96.0.10 | 80   | false
            UDP ClusterIP un-NATed                             | udp | ipv4 | 10.244.1.2 | 10.96.0.53 | 53    | 10.96.0.53 | 53   | true
            NodePort at a listed node address, not DNATed      | tcp | ipv4 | 192.0.2.7  | 10.0.12.12 | 30080 | 10.0.12.12 | 30080 | true
            NodePort at any other local address: DNATed       | tcp | ipv4 | 192.0.2.7  | 172.18.0.5 | 30080 | 10.244.1.3 | 8080 | true
            DNAT no Service names (the app still judges it)    | tcp | ipv4 | 192.0.2.7  | 172.18.0.5 | 8000  | 10.244.9.9 | 80   | true
            DNAT of the port only                              | tcp | ipv4 | 192.0.2.7  | 172.18.0.5 | 8000  | 172.18.0.5 | 80   | true
            pod to pod, no Service                             | tcp | ipv4 | 10.244.1.2 | 10.244.2.9 | 8080  | 10.244.2.9 | 8080 | false
            egress to the internet, masqueraded (SNAT only)    | tcp | ipv4 | 10.244.1.2 | 203.0.113.9 | 443  | 203.0.113.9 | 443 | false
            IPv6 ClusterIP, DNATed                             | tcp | ipv6 | fd00:1::2  | fd00::10   | 443   | fd00:1::3  | 8443 | true
            IPv6 endpoint                                      | tcp | ipv6 | fd00:2::2  | fd00:1::3  | 8443  | fd00:1::3  | 8443 | true
            IPv6 endpoint's address at another port            | tcp | ipv6 | fd00:2::2  | fd00:1::3  | 8444  | fd00:1::3  | 8444 | false
            IPv6 ClusterIP un-NATed                            | tcp | ipv6 | fd00:2::2  | fd00::10   | 443   | fd00::10   | 443  | true
            IPv6 UDP to the TCP ClusterIP                      | udp | ipv6 | fd00:2::2  | fd00::10   | 443   | fd00::10   | 443  | false
            IPv4-mapped bytes do not meet IPv6                 | tcp | ipv6 | fd00:2::2  | ::ffff:10.244.1.3 | 8080 | ::ffff:10.244.1.3 | 8080 | false
            """)
    void decides(String name, String proto, String family, String src, String dst, int dport, String rsrc, int rsport, boolean kept)
            throws Exception {
        assertEquals(kept, touches(ServiceTraffic.of(TABLE), line(proto, family, src, dst, dport, rsrc, rsport)), name);
    }

    @Test
    void icmpIsAServicesOnlyWhenDNATed() throws Exception {
        ServiceTraffic t = ServiceTraffic.of(TABLE);
        String ping = "[1700000000.100000]\t    [NEW] icmp     1 30 src=10.244.1.2 dst=10.244.1.3 type=8 code=0 id=1234 [UNREPLIED] "
                + "src=10.244.1.3 dst=10.244.1.2 type=0 code=0 id=1234";
        assertEquals(false, touches(t, ping));
        String dnatPing = ping.replace("dst=10.244.1.3 type=8", "dst=10.96.0.10 type=8");
        assertEquals(true, touches(t, dnatPing));
    }

    @Test
    void countsServicesAndDistinctAddresses() {
        ServiceTraffic t = ServiceTraffic.of(TABLE);
        assertEquals(5, t.services());
        // 5 frontends; endpoints 10.244.1.3:8080/tcp (twice), :5353/udp, [fd00:1::3]:8443/tcp
        assertEquals(8, t.addresses());
        assertEquals(0, ServiceTraffic.of(List.of()).addresses());
    }

    @Test
    void anEmptyTableKeepsOnlyDNAT() throws Exception {
        ServiceTraffic t = ServiceTraffic.of(List.of());
        assertEquals(true, touches(t, line("tcp", "ipv4", "10.244.1.2", "10.96.0.10", 80, "10.244.1.3", 8080)));
        assertEquals(false, touches(t, line("tcp", "ipv4", "10.244.2.2", "10.244.1.3", 8080, "10.244.1.3", 8080)));
    }
}
