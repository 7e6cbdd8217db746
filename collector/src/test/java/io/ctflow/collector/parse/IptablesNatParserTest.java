package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ctflow.avro.Endpoint;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.net.Addresses;
import io.ctflow.testing.Captures;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class IptablesNatParserTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    private static List<ServiceEntry> parse(String save) {
        return IptablesNatParser.parse(save, "node1", T);
    }

    private static Endpoint ep(String address, int port) {
        return new Endpoint(ByteBuffer.wrap(Addresses.parse(address)), port);
    }

    private static ServiceEntry kube(String id, String ns, String name, String portName, String vip, int port, Protocol p,
                                     List<Endpoint> endpoints) {
        return new ServiceEntry(id, ns, name, portName, ByteBuffer.wrap(Addresses.parse(vip)), port, p, endpoints, null,
            "iptables", "node1", T);
    }

    private static ServiceEntry dnat(String vip, int port, Protocol p, List<Endpoint> endpoints) {
        return new ServiceEntry(ServiceKeys.defaultId(p, Addresses.parse(vip), port), null, null, null,
            ByteBuffer.wrap(Addresses.parse(vip)), port, p, endpoints, null, "dnat", "node1", T);
    }

    /** "id vip:port/proto -> endpoints" lines, for readable failures. */
    private static String describe(List<ServiceEntry> entries) {
        return entries.stream().map(e -> e.getId() + " " + ServiceKeys.key(e) + " -> " + e.getEndpoints().stream()
            .map(x -> Addresses.withPort(Addresses.bytes(x.getAddress()), x.getPort())).collect(Collectors.joining(",")))
            .collect(Collectors.joining("\n"));
    }

    @Test
    void everyCaptureHasExactlyTheFourLabServices() throws Exception {
        List<ServiceEntry> expected = List.of(
            kube("default/api:http", "default", "api", "http", "10.96.0.20", 80, Protocol.TCP, List.of(ep("10.244.2.2", 8080))),
            kube("default/legacy:http", "default", "legacy", "http", "10.96.0.30", 80, Protocol.TCP,
                List.of(ep("10.244.1.99", 8080))),
            kube("default/web:http", "default", "web", "http", "10.96.0.10", 80, Protocol.TCP, List.of(ep("10.244.1.3", 8080))),
            kube("kube-system/kube-dns:dns", "kube-system", "kube-dns", "dns", "10.96.0.53", 53, Protocol.UDP,
                List.of(ep("10.244.1.3", 5353))));
        int files = 0;
        for (String scenario : Captures.SCENARIOS) {
            for (String node : List.of("node1", "node2")) {
                String text = Files.readString(Captures.scenario(scenario).resolve("nat-" + node + ".txt"),
                    StandardCharsets.UTF_8);
                List<ServiceEntry> got = parse(text);
                assertEquals(describe(expected), describe(got), scenario + "/" + node);
                assertEquals(expected, got, scenario + "/" + node);
                files++;
            }
        }
        assertEquals(6, files);
    }

    @Test
    void servicesWithoutEndpointsComeFromTheFilterTablesRejectRules() {
        // kubernetes/kubernetes pkg/proxy/iptables proxier_test.go TestOverallIPTablesRules (abridged): svc6 has no
        // endpoints (REJECT in KUBE-SERVICES); svc2 has no *local* endpoints for its external IP (DROP: not an entry);
        // svc7 is how iptables-save prints such a rule (its own option order, /32, --reject-with); a NodePort REJECT has no -d.
        String save = String.join("\n",
            "*filter",
            ":KUBE-SERVICES - [0:0]",
            ":KUBE-EXTERNAL-SERVICES - [0:0]",
            "-A KUBE-SERVICES -m comment --comment \"ns6/svc6:p80 has no endpoints\" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT",
            "-A KUBE-SERVICES -d 10.96.143.27/32 -p udp -m comment --comment \"ns7/svc7:dns has no endpoints\" -m udp --dport 53 "
                + "-j REJECT --reject-with icmp-port-unreachable",
            "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns6/svc6:p80 has no endpoints\" -m tcp -p tcp -d 192.168.99.11 --dport 80 -j REJECT",
            "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns6/svc6:p80 has no endpoints\" -m addrtype --dst-type LOCAL -m tcp -p tcp "
                + "--dport 3001 -j REJECT",
            "-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns2/svc2:p80 has no local endpoints\" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP",
            "COMMIT",
            "*nat",
            ":KUBE-SERVICES - [0:0]",
            ":KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]",
            ":KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]",
            "-A KUBE-SERVICES -m comment --comment \"ns2/svc2:p80 cluster IP\" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT",
            "-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment \"ns2/svc2:p80 -> 10.180.0.2:80\" -j KUBE-SEP-RS4RBKLTHTF2IUXJ",
            "-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80",
            "COMMIT", "");
        List<ServiceEntry> got = parse(save);
        assertEquals(String.join("\n",
            "ns2/svc2:p80 tcp/172.30.0.42:80 -> 10.180.0.2:80",
            "ns6/svc6:p80 tcp/172.30.0.46:80 -> ",
            "ns6/svc6:p80 tcp/192.168.99.11:80 -> ",
            "ns7/svc7:dns udp/10.96.143.27:53 -> "), describe(got));
        assertEquals(kube("ns6/svc6:p80", "ns6", "svc6", "p80", "172.30.0.46", 80, Protocol.TCP, List.of()), got.get(1));
        assertEquals(3, DataplaneServices.appendRules(save), "rule counts are the nat table's");
    }

    @Test
    void statisticBalancedEndpointsInRuleOrder() {
        String save = String.join("\n",
            "# Generated by iptables-save v1.8.9 (nf_tables)",
            "*filter",
            ":INPUT ACCEPT [0:0]",
            "-A INPUT -d 10.96.0.99/32 -p tcp --dport 80 -j DNAT --to-destination 1.1.1.1:1",
            "COMMIT",
            "*nat",
            ":PREROUTING ACCEPT [0:0]",
            ":KUBE-SERVICES - [0:0]",
            ":KUBE-MARK-MASQ - [0:0]",
            ":KUBE-SVC-ABC - [0:0]",
            ":KUBE-SEP-1 - [0:0]",
            ":KUBE-SEP-2 - [0:0]",
            ":KUBE-SEP-3 - [0:0]",
            "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
            "-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment \"default/web:http cluster IP\" -m tcp --dport 80 "
                + "-j KUBE-SVC-ABC",
            "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this "
                + "chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS",
            "-A KUBE-SVC-ABC ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp -m comment --comment \"default/web:http cluster IP\" "
                + "-m tcp --dport 80 -j KUBE-MARK-MASQ",
            "-A KUBE-SVC-ABC -m comment --comment \"default/web:http -> 10.244.1.3:8080\" -m recent --rcheck --seconds 10800 "
                + "--reap --name KUBE-SEP-2 --mask 255.255.255.255 --rsource -j KUBE-SEP-2",
            "-A KUBE-SVC-ABC -m comment --comment \"default/web:http -> 10.244.1.3:8080\" -m statistic --mode random "
                + "--probability 0.33333333349 -j KUBE-SEP-1",
            "-A KUBE-SVC-ABC -m comment --comment \"default/web:http -> 10.244.1.4:8080\" -m statistic --mode random "
                + "--probability 0.50000000000 -j KUBE-SEP-2",
            "-A KUBE-SVC-ABC -m comment --comment \"default/web:http -> 10.244.2.5:8080\" -j KUBE-SEP-3",
            "-A KUBE-SEP-1 -s 10.244.1.3/32 -m comment --comment \"default/web:http\" -j KUBE-MARK-MASQ",
            "-A KUBE-SEP-1 -p tcp -m comment --comment \"default/web:http\" -m tcp -j DNAT --to-destination 10.244.1.3:8080",
            "-A KUBE-SEP-2 -p tcp -m comment --comment \"default/web:http\" -m recent --set --name KUBE-SEP-2 --mask "
                + "255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.1.4:8080",
            "-A KUBE-SEP-3 -p tcp -m comment --comment default/web:http -m tcp -j DNAT --to-destination 10.244.2.5:8080",
            "COMMIT", "");
        List<ServiceEntry> got = parse(save);
        assertEquals(List.of(kube("default/web:http", "default", "web", "http", "10.96.0.10", 80, Protocol.TCP,
            List.of(ep("10.244.1.4", 8080), ep("10.244.1.3", 8080), ep("10.244.2.5", 8080)))), got);
    }

    @Test
    void commentsWithoutQuotesOrPortNameAndLocalAndExternalChains() {
        String save = String.join("\n",
            "*nat",
            "-A KUBE-SERVICES -d 10.96.0.40/32 -p tcp -m comment --comment ns1/plain -m tcp --dport 8080 -j KUBE-SVC-P",
            "-A KUBE-SERVICES -d 10.96.0.41/32 -p sctp -m comment --comment ns1/sig:s -m sctp --dport 9 -j KUBE-SVL-L",
            "-A KUBE-SERVICES -d 203.0.113.7/32 -p tcp -m comment --comment \"ns1/lb:https loadbalancer IP\" -m tcp "
                + "--dport 443 -j KUBE-EXT-E",
            "-A KUBE-SERVICES -d 10.96.0.42/32 -p tcp -m comment --comment \"ns1/none:x cluster IP\" -m tcp --dport 1 "
                + "-j KUBE-SVC-NOEP",
            "-A KUBE-NODEPORTS -p tcp -m comment --comment \"ns1/lb:https\" -m tcp --dport 30443 -j KUBE-EXT-E",
            "-A KUBE-SVC-P -j KUBE-SEP-P",
            "-A KUBE-SEP-P -p tcp -m tcp -j DNAT --to-destination 10.244.1.7",
            "-A KUBE-SVL-L -j KUBE-SEP-L",
            "-A KUBE-SEP-L -p sctp -m sctp -j DNAT --to-destination 10.244.1.8:99",
            "-A KUBE-EXT-E -m comment --comment \"masquerade traffic for ns1/lb:https external destinations\" -j KUBE-MARK-MASQ",
            "-A KUBE-EXT-E -j KUBE-SVC-LB",
            "-A KUBE-SVC-LB -j KUBE-SEP-LB1",
            "-A KUBE-SVC-LB -j KUBE-SEP-LB2",
            "-A KUBE-SEP-LB1 -p tcp -m tcp -j DNAT --to-destination 10.244.1.9:8443",
            "-A KUBE-SEP-LB2 -p tcp -m tcp -j DNAT --to-destination 10.244.1.10:8443",
            ":KUBE-SVC-NOEP - [0:0]",
            "-A KUBE-UNKNOWN-CHAIN -d 10.96.0.50/32 -p tcp --dport 5 -j KUBE-SEP-P",
            "COMMIT");
        assertEquals(List.of(
            kube("ns1/lb:https", "ns1", "lb", "https", "203.0.113.7", 443, Protocol.TCP,
                List.of(ep("10.244.1.9", 8443), ep("10.244.1.10", 8443))),
            kube("ns1/none:x", "ns1", "none", "x", "10.96.0.42", 1, Protocol.TCP, List.of()),
            kube("ns1/plain", "ns1", "plain", null, "10.96.0.40", 8080, Protocol.TCP, List.of(ep("10.244.1.7", 8080))),
            kube("ns1/sig:s", "ns1", "sig", "s", "10.96.0.41", 9, Protocol.SCTP, List.of(ep("10.244.1.8", 99)))),
            parse(save));
    }

    @Test
    void plainDnatRulesAreMergedPerVipPortProtocol() {
        String save = String.join("\n",
            "*nat",
            ":PREROUTING ACCEPT [0:0]",
            ":OUTPUT ACCEPT [0:0]",
            ":MY-LB - [0:0]",
            "-A PREROUTING -d 192.168.1.10/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.5:8080",
            "-A OUTPUT -d 192.168.1.10/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.5:8080",
            "-A MY-LB -d 192.168.1.10 -p tcp -m tcp --dport 80 -m statistic --mode nth --every 2 --packet 0 -j DNAT "
                + "--to-destination 10.0.0.6:8080",
            "-A PREROUTING -d 192.168.1.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.0.0.53",
            "-A PREROUTING -d 192.168.1.12/32 -p tcp -m tcp --dport 81 -j DNAT --to-destination 10.0.0.7-10.0.0.9:9000-9002",
            "-A PREROUTING -d 10.0.0.0/8 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.5:8080",
            "-A PREROUTING ! -d 192.168.1.13/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.5:8080",
            "-A PREROUTING -d 192.168.1.14/32 -p tcp -m tcp ! --dport 80 -j DNAT --to-destination 10.0.0.5:8080",
            "-A PREROUTING -d 192.168.1.15/32 -p tcp -m tcp --dport 80:90 -j DNAT --to-destination 10.0.0.5",
            "-A PREROUTING -d 192.168.1.16/32 -p tcp -m multiport --dports 80,443 -j DNAT --to-destination 10.0.0.5",
            "-A PREROUTING -d 192.168.1.17/32 -j DNAT --to-destination 10.0.0.5",
            "-A PREROUTING -d 192.168.1.18/32 -p tcp --dport 22 -j ACCEPT",
            "COMMIT");
        assertEquals(List.of(
            dnat("192.168.1.10", 80, Protocol.TCP, List.of(ep("10.0.0.5", 8080), ep("10.0.0.6", 8080))),
            dnat("192.168.1.11", 53, Protocol.UDP, List.of(ep("10.0.0.53", 53))),
            dnat("192.168.1.12", 81, Protocol.TCP, List.of(ep("10.0.0.7", 9000)))), parse(save));
        assertEquals("192.168.1.10:80/tcp", parse(save).get(0).getId());
    }

    @Test
    void ip6tablesSave() {
        String save = String.join("\n",
            "*nat",
            "-A KUBE-SERVICES -d fd00:96::10/128 -p tcp -m comment --comment \"default/web:http cluster IP\" -m tcp "
                + "--dport 80 -j KUBE-SVC-W6",
            "-A KUBE-SVC-W6 -m statistic --mode random --probability 0.5 -j KUBE-SEP-A6",
            "-A KUBE-SVC-W6 -j KUBE-SEP-B6",
            "-A KUBE-SEP-A6 -p tcp -m tcp -j DNAT --to-destination [fd00:244:1::3]:8080",
            "-A KUBE-SEP-B6 -p tcp -m tcp -j DNAT --to-destination [fd00:244:1::4]",
            "-A PREROUTING -d fd00::1/128 -p udp -m udp --dport 53 -j DNAT --to-destination fd00::53",
            "COMMIT");
        List<ServiceEntry> got = parse(save);
        assertEquals(List.of(
            dnat("fd00::1", 53, Protocol.UDP, List.of(ep("fd00::53", 53))),
            kube("default/web:http", "default", "web", "http", "fd00:96::10", 80, Protocol.TCP,
                List.of(ep("fd00:244:1::3", 8080), ep("fd00:244:1::4", 80)))), got);
        assertEquals("udp/[fd00::1]:53", ServiceKeys.key(got.get(0)));
        assertEquals("[fd00::1]:53/udp", got.get(0).getId());
    }

    @Test
    void kubeProxyWinsOverPlainDnatAndNoHeaderMeansNat() {
        String save = String.join("\n",
            "-A PREROUTING -d 10.96.0.10/32 -p tcp --dport 80 -j DNAT --to-destination 10.9.9.9:1",
            "-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment \"default/web:http cluster IP\" --dport 80 "
                + "-j KUBE-SVC-W",
            "-A KUBE-SVC-W -j KUBE-SEP-W",
            "-A KUBE-SEP-W -p tcp -j DNAT --to-destination 10.244.1.3:8080");
        List<ServiceEntry> got = parse(save);
        assertEquals(1, got.size());
        assertEquals("default/web:http", got.get(0).getId());
        assertEquals(List.of(ep("10.244.1.3", 8080)), got.get(0).getEndpoints());
        assertNull(got.get(0).getRequestResponse());
    }

    @Test
    void quotedCommentsWithEscapesAndOptionLookalikes() {
        String save = String.join("\n",
            "*nat",
            "-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment \"ns/a:b \\\"quoted\\\" -j X\" -m tcp "
                + "--dport 80 -j KUBE-SVC-Q",
            "-A KUBE-SVC-Q -j KUBE-SEP-Q",
            "-A KUBE-SEP-Q -p tcp -j DNAT --to-destination 10.244.1.3:8080",
            "COMMIT");
        List<ServiceEntry> got = parse(save);
        assertEquals("ns/a:b", got.get(0).getId());
        assertEquals(List.of(ep("10.244.1.3", 8080)), got.get(0).getEndpoints());
    }

    @Test
    void brokenRulesNameTheLine() {
        assertEquals("line 2: unterminated quote", assertThrows(IllegalArgumentException.class,
            () -> parse("*nat\n-A KUBE-SERVICES -m comment --comment \"open -j KUBE-SVC-X\nCOMMIT\n")).getMessage());
        assertEquals("line 2: bad address '10.96.0.300/32'", assertThrows(IllegalArgumentException.class,
            () -> parse("*nat\n-A KUBE-SERVICES -d 10.96.0.300/32 -p tcp --dport 80 -j KUBE-SVC-X\n")).getMessage());
        assertEquals("line 1: bad port '70000'", assertThrows(IllegalArgumentException.class,
            () -> parse("-A PREROUTING -d 10.0.0.1/32 -p tcp --dport 70000 -j DNAT --to-destination 10.0.0.2")).getMessage());
        assertEquals("line 3: bad --to-destination 'x:1'", assertThrows(IllegalArgumentException.class,
            () -> parse("-A KUBE-SERVICES -d 10.0.0.1/32 -p tcp --dport 1 -j KUBE-SVC-X\n-A KUBE-SVC-X -j KUBE-SEP-X\n"
                + "-A KUBE-SEP-X -j DNAT --to-destination x:1")).getMessage());
        assertEquals(List.of(), parse(""));
    }
}
