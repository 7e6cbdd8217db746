package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.Endpoint;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServiceYamlParserTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    private static List<ServiceEntry> parse(String yaml) {
        return ServiceYamlParser.parse(yaml, "host1", T);
    }

    private static Endpoint ep(String address, int port) {
        return new Endpoint(ByteBuffer.wrap(Addresses.parse(address)), port);
    }

    @Test
    void theDocumentedExample(@TempDir Path dir) throws Exception {
        String yaml = String.join("\n",
            "services:",
            "  - id: default/web:http        # optional; default vip:port/proto",
            "    vip: 10.96.0.10",
            "    port: 80",
            "    protocol: tcp",
            "    requestResponse: false      # optional",
            "    endpoints: [\"10.244.1.3:8080\", \"10.244.1.4:8080\"]",
            "");
        List<ServiceEntry> expected = List.of(new ServiceEntry("default/web:http", "default", "web", "http",
            ByteBuffer.wrap(Addresses.parse("10.96.0.10")), 80, Protocol.TCP,
            List.of(ep("10.244.1.3", 8080), ep("10.244.1.4", 8080)), false, "yaml", "host1", T));
        assertEquals(expected, parse(yaml));
        Path file = dir.resolve("services.yaml");
        Files.writeString(file, yaml);
        assertEquals(expected, ServiceYamlParser.read(file, "host1", T));
    }

    @Test
    void defaultsAndVariants() {
        List<ServiceEntry> got = parse(String.join("\n",
            "services:",
            "  - vip: 10.96.0.53",
            "    port: 53",
            "    protocol: UDP",
            "    requestResponse: true",
            "    endpoints:",
            "      - 10.244.1.3:5353",
            "      - 10.244.1.4",
            "      - 10.244.1.3:5353",
            "  - vip: \"fd00::10\"",
            "    port: \"443\"",
            "    endpoints: [\"[fd00::3]:8443\", \"fd00::4\"]",
            "  - id: plain-name",
            "    vip: 192.168.1.10",
            "    port: 80",
            "  - id: ns/svc",
            "    vip: 192.168.1.11",
            "    port: 80",
            "    protocol: sctp"));
        assertEquals(4, got.size());
        ServiceEntry dns = got.get(0);
        assertEquals("10.96.0.53:53/udp", dns.getId());
        assertEquals(Protocol.UDP, dns.getProtocol());
        assertEquals(true, dns.getRequestResponse());
        assertEquals(List.of(ep("10.244.1.3", 5353), ep("10.244.1.4", 53)), dns.getEndpoints());
        assertEquals(null, dns.getNamespace());
        assertEquals("host1", dns.getNode());
        assertEquals(T, dns.getTimestamp());

        ServiceEntry v6 = got.get(1);
        assertEquals("[fd00::10]:443/tcp", v6.getId());
        assertEquals(Protocol.TCP, v6.getProtocol(), "protocol defaults to tcp");
        assertEquals(null, v6.getRequestResponse());
        assertEquals(List.of(ep("fd00::3", 8443), ep("fd00::4", 443)), v6.getEndpoints());

        assertEquals("plain-name", got.get(2).getId());
        assertEquals(null, got.get(2).getName());
        assertEquals(List.of(), got.get(2).getEndpoints());
        assertEquals("ns", got.get(3).getNamespace());
        assertEquals("svc", got.get(3).getName());
        assertEquals(null, got.get(3).getPortName());
        assertEquals(Protocol.SCTP, got.get(3).getProtocol());
    }

    @Test
    void emptyDocuments() {
        assertEquals(List.of(), parse(""));
        assertEquals(List.of(), parse("# nothing\n"));
        assertEquals(List.of(), parse("services:\n"));
        assertEquals(List.of(), parse("services: []\nother: 1\n"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "services: {a: 1}|services: expected a list, got a mapping",
        "- 1|expected a mapping with 'services', got a list",
        "services: [1]|services[0]: expected a mapping, got '1'",
        "services: [{port: 80}]|services[0].vip: expected an IP address, got nothing",
        "services: [{vip: 10.0.0.1, port: 80}, {vip: 10.0.0.300, port: 80}]|services[1].vip: bad address '10.0.0.300'",
        "services: [{vip: 10.0.0.1}]|services[0].port: expected 1-65535, got nothing",
        "services: [{vip: 10.0.0.1, port: 70000}]|services[0].port: expected 1-65535, got '70000'",
        "services: [{vip: 10.0.0.1, port: 0}]|services[0].port: expected 1-65535, got '0'",
        "services: [{vip: 10.0.0.1, port: http}]|services[0].port: expected 1-65535, got 'http'",
        "services: [{vip: 10.0.0.1, port: 80, protocol: icmp}]|services[0].protocol: expected tcp, udp, sctp, dccp or udplite, got 'icmp'",
        "services: [{vip: 10.0.0.1, port: 80, requestResponse: maybe}]|services[0].requestResponse: expected true or false, got 'maybe'",
        "services: [{vip: 10.0.0.1, port: 80, endpoints: 10.0.0.2}]|services[0].endpoints: expected a list of \"address:port\", got '10.0.0.2'",
        "services: [{vip: 10.0.0.1, port: 80, endpoints: ['10.0.0.2:1', 'x:1']}]|services[0].endpoints[1]: bad endpoint 'x:1'",
        "services: [{vip: 10.0.0.1, port: 80, endpoints: ['10.0.0.2:99999']}]|services[0].endpoints[0]: bad endpoint '10.0.0.2:99999'",
        "services: [{vip: 10.0.0.1, port: 80, endpoints: [8080]}]|services[0].endpoints[0]: expected \"address:port\", got '8080'",
        "services: [{vip: 10.0.0.1, port: 80, endpoint: ['10.0.0.2:1']}]|services[0]: unknown field 'endpoint' (known: id, vip, port, protocol, requestResponse, endpoints)",
        "services: [{vip: 10.0.0.1, port: 80, id: ''}]|services[0].id: expected a non-empty string, got ''",
        "services: [{vip: 10.0.0.1, port: 80}, {vip: 10.0.0.1, port: 80, protocol: tcp}]|services[1]: same vip, port and protocol as services[0] (tcp/10.0.0.1:80)",
    })
    void badEntriesNameTheEntryAndField(String yaml, String message) {
        InputError e = assertThrows(InputError.class, () -> parse(yaml));
        assertEquals(message, e.what());
        // Everything is on line 1, except a document that is not a mapping at all (no line).
        assertEquals(message.startsWith("expected a mapping with") ? 0 : 1, e.line());
    }

    @Test
    void yamlSyntaxErrorsAndTagsAreRejected() {
        IllegalArgumentException syntax = assertThrows(IllegalArgumentException.class, () -> parse("services: [\n"));
        assertTrue(syntax.getMessage().matches("line \\d+: bad YAML: .*"), syntax.getMessage());
        // SafeConstructor: no arbitrary classes from tags.
        IllegalArgumentException tag = assertThrows(IllegalArgumentException.class,
            () -> parse("services: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[]]]\n"));
        assertTrue(tag.getMessage().matches("line 1: bad YAML: .*"), tag.getMessage());
    }
}
