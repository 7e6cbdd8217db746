package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ServiceEntry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IpvsParserTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    private static final String EXPECTED = String.join("\n",
            "10.96.0.10:80/tcp tcp/10.96.0.10:80 -> 10.244.1.3:8080,10.244.2.2:8080",
            "10.96.0.1:443/tcp tcp/10.96.0.1:443 -> 192.168.49.2:8443",
            "10.96.0.30:80/tcp tcp/10.96.0.30:80 -> 10.244.1.99:8080",
            "10.96.0.53:53/udp udp/10.96.0.53:53 -> 10.244.1.3:5353",
            "10.96.0.99:8080/tcp tcp/10.96.0.99:8080 -> ",
            "[fd00:96::a]:80/tcp tcp/[fd00:96::a]:80 -> [fd00:244:1::3]:8080");

    @Test
    void ipvsadmListing() throws Exception {
        IpvsParser.Result r = IpvsParser.parse(NftKubeProxyParserTest.resource("ipvsadm-Ln.txt"), Map.of(), "node1", T);
        assertEquals(EXPECTED, NftKubeProxyParserTest.describe(r.services()), "FWM services are skipped");
        assertEquals(12, r.rules(), "6 virtual and 6 real servers outside FWM");
        ServiceEntry first = r.services().get(0);
        assertEquals("ipvs", first.getSource());
        assertEquals("node1", first.getNode());
        assertEquals(T, first.getTimestamp());
    }

    @Test
    void procNetIpVsWithHexAddressesGivesTheSame() throws Exception {
        IpvsParser.Result proc = IpvsParser.parse(NftKubeProxyParserTest.resource("proc-net-ip_vs.txt"), Map.of(), "node1", T);
        assertEquals(EXPECTED, NftKubeProxyParserTest.describe(proc.services()));
        assertEquals(IpvsParser.parse(NftKubeProxyParserTest.resource("ipvsadm-Ln.txt"), Map.of(), "node1", T).services(),
                proc.services());
    }

    @Test
    void namesComeFromIptablesCommentsWhenTheyExist() throws Exception {
        List<ServiceEntry> iptables = IptablesNatParser.parse("""
                *nat
                :KUBE-SERVICES - [0:0]
                :KUBE-SVC-WEB - [0:0]
                -A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB
                COMMIT
                """, "node1", T);
        IpvsParser.Result r = IpvsParser.parse(NftKubeProxyParserTest.resource("ipvsadm-Ln.txt"), IpvsParser.byKey(iptables),
                "node1", T);
        ServiceEntry web = r.services().stream().filter(s -> ServiceKeys.key(s).equals("tcp/10.96.0.10:80")).findFirst()
                .orElseThrow();
        assertEquals("default/web:http", web.getId());
        assertEquals("default", web.getNamespace());
        assertEquals("web", web.getName());
        assertEquals("http", web.getPortName());
        assertEquals("ipvs", web.getSource(), "the endpoints are IPVS's");
        assertEquals(2, web.getEndpoints().size());
    }

    @Test
    void emptyTableAndBadLines() {
        String empty = "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";
        assertFalse(IpvsParser.hasServices(empty));
        assertEquals(List.of(), IpvsParser.parse(empty, Map.of(), "n", T).services());
        assertTrue(IpvsParser.hasServices("TCP  10.96.0.10:80 rr\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IpvsParser.parse("TCP  10.96.0.10:80 rr\n  -> 10.244.1.300:8080 Masq 1 0 0\n", Map.of(), "n", T));
        assertEquals("line 2: bad address '10.244.1.300:8080'", e.getMessage());
    }
}
