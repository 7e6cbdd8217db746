package io.ctflow.collector.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.parse.ServiceKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FactsAndServicesReaderTest {
    static final String IP_JSON = """
            [{"ifindex":1,"ifname":"lo","link_type":"loopback","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host"}]},
             {"ifindex":2,"ifname":"cni0","link_type":"ether","linkinfo":{"info_kind":"bridge"},
              "addr_info":[{"family":"inet","local":"10.244.1.1","prefixlen":24,"scope":"global"},
                           {"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]},
             {"ifindex":3,"ifname":"veth-b","master":"cni0","linkinfo":{"info_kind":"veth","info_slave_kind":"bridge",
              "info_slave_data":{"hairpin":true}},"addr_info":[]},
             {"ifindex":4,"ifname":"veth-a","master":"cni0","linkinfo":{"info_kind":"veth","info_slave_kind":"bridge",
              "info_slave_data":{"hairpin":false}},"addr_info":[]},
             {"ifindex":5,"ifname":"eth0","link_type":"ether","addr_info":[{"family":"inet","local":"10.0.12.12","prefixlen":24,"scope":"global"}]}]
            """;

    @Test
    void bridgesPortsAndNodeAddressesFromIpJson() throws Exception {
        FactsReader.Links links = FactsReader.parseLinks(IP_JSON);
        assertEquals(1, links.bridges().size());
        FactsReader.BridgeParts b = links.bridges().get(0);
        assertEquals("cni0", b.name());
        assertEquals(List.of("10.244.1.1/24"), b.addresses(), "global addresses only");
        assertEquals(List.of("veth-a", "veth-b"), b.ports().stream().map(FactsReader.PortParts::name).toList());
        assertTrue(b.ports().get(1).hairpinFromJson());
        assertEquals(List.of("10.0.12.12"), links.nodeAddresses());
        assertEquals("/sys/class/net/cni0/brif/veth-a/hairpin_mode", FactsReader.hairpinPath("cni0", "veth-a"));
        assertEquals("/proc/sys/net/bridge/bridge-nf-call-iptables", NodeAccess.sysctlPath("net.bridge.bridge-nf-call-iptables"));
    }

    @Test
    void yamlServicesAreAddedAndBadYamlIsAUserError(@TempDir Path tmp) throws Exception {
        Path yaml = tmp.resolve("services.yaml");
        Files.writeString(yaml, """
                services:
                  - id: default/db:pg
                    vip: 10.96.7.7
                    port: 5432
                    endpoints: ["10.244.1.9:5432"]
                """);
        // an empty search path: no iptables-save is found except in the sbin fallbacks; either way the YAML entry is there
        ServicesReader.Reading r = new ServicesReader(new NodeAccess(null, tmp.toString()), yaml).read("n1", Instant.EPOCH);
        ServiceEntry db = r.services().stream().filter(s -> ServiceKeys.key(s).equals("tcp/10.96.7.7:5432")).findFirst().orElseThrow();
        assertEquals("default/db:pg", db.getId());
        assertEquals("yaml", db.getSource());
        assertEquals("n1", db.getNode());

        Files.writeString(yaml, "services:\n  - vip: 10.96.7.7\n    port: 70000\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ServicesReader(new NodeAccess(null, tmp.toString()), yaml).read("n1", Instant.EPOCH));
        assertTrue(e.getMessage().contains("services[0].port"), e.getMessage());
    }
}
