package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.L3Protocol;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.Tuple;
import io.ctflow.net.Addresses;
import io.ctflow.testing.Captures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConntrackLineParserTest {
    static final Instant FALLBACK = Instant.parse("2026-01-02T03:04:05.123456Z");
    private final ConntrackLineParser parser = new ConntrackLineParser("node1", false);

    private ConntrackEvent parse(String line) throws ParseException {
        return parser.parse(line, FALLBACK, 7);
    }

    static String addr(java.nio.ByteBuffer b) {
        return Addresses.format(b);
    }

    /** Asserts a tuple with ports: "src dst sport dport". */
    static void assertPorts(Tuple t, String src, String dst, int sport, int dport) {
        assertEquals(src, addr(t.getSrc()), "src");
        assertEquals(dst, addr(t.getDst()), "dst");
        assertEquals(sport, t.getSrcPort(), "sport");
        assertEquals(dport, t.getDstPort(), "dport");
        assertNull(t.getIcmpType());
        assertNull(t.getIcmpCode());
        assertNull(t.getIcmpId());
    }

    static List<String> captureLines(String scenario, String file) throws IOException {
        return Files.readAllLines(Captures.scenario(scenario).resolve(file), StandardCharsets.UTF_8);
    }

    // ---- the real captures ----

    @Test
    void everyLineOfEveryCaptureParses() throws IOException {
        int events = 0;
        int snapshots = 0;
        for (String scenario : Captures.SCENARIOS) {
            List<Path> files;
            try (Stream<Path> s = Files.list(Captures.scenario(scenario))) {
                files = s.filter(p -> p.getFileName().toString().matches("(events|proc)-.*\\.txt")).sorted()
                    .collect(Collectors.toList());
            }
            assertTrue(files.size() >= 3, scenario + " has event and proc files");
            for (Path file : files) {
                boolean isEvents = file.getFileName().toString().startsWith("events-");
                long seq = 0;
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    ConntrackEvent e;
                    try {
                        e = parser.parse(line, FALLBACK, ++seq);
                    } catch (ParseException ex) {
                        throw new AssertionError(file + ": " + ex.getMessage() + ": " + line);
                    }
                    assertEquals("node1", e.getNode());
                    assertEquals(seq, e.getSequence());
                    assertNotNull(e.getOriginal());
                    assertNotNull(e.getReply());
                    assertEquals(L3Protocol.IPV4, e.getL3());
                    if (isEvents) {
                        assertTrue(e.getType() == EventType.NEW || e.getType() == EventType.UPDATE
                            || e.getType() == EventType.DESTROY, line);
                        assertTrue(e.getTimestamp().getEpochSecond() > 1_700_000_000L, line);
                        assertEquals(Long.parseLong(line.substring(line.lastIndexOf(" id=") + 4)), e.getConntrackId(), line);
                        assertEquals(e.getType() == EventType.DESTROY, e.getTimeout() == null, line);
                        events++;
                    } else {
                        assertEquals(EventType.SNAPSHOT, e.getType());
                        assertEquals(FALLBACK, e.getTimestamp());
                        assertNull(e.getConntrackId());
                        assertEquals(Integer.parseInt(line.substring(line.lastIndexOf(" use=") + 5)), e.getUse(), line);
                        snapshots++;
                    }
                }
            }
        }
        assertEquals(88, events, "event lines in the captures");
        assertEquals(22, snapshots, "proc lines in the captures");
    }

    @Test
    void newUnrepliedEventFromCapture() throws Exception {
        String line = captureLines("bridge-off", "events-node1.txt").get(0);
        assertEquals("[1795711669.996532]\t    [NEW] ipv4     2 tcp      6 6 SYN_SENT src=10.244.1.2 dst=10.96.0.10 "
            + "sport=49502 dport=80 [UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=49502 id=1019619955", line);
        ConntrackEvent e = parse(line);
        assertEquals("node1", e.getNode());
        assertEquals(EventType.NEW, e.getType());
        assertEquals(Instant.ofEpochSecond(1795711669L, 996_532_000L), e.getTimestamp());
        assertEquals(1019619955L, e.getConntrackId());
        assertEquals(0, e.getZone());
        assertEquals(0L, e.getMark());
        assertEquals(L3Protocol.IPV4, e.getL3());
        assertEquals(Protocol.TCP, e.getProtocol());
        assertEquals(6, e.getProtocolNumber());
        assertEquals("SYN_SENT", e.getState());
        assertEquals(6L, e.getTimeout());
        assertPorts(e.getOriginal(), "10.244.1.2", "10.96.0.10", 49502, 80);
        assertPorts(e.getReply(), "10.244.1.3", "10.244.1.2", 8080, 49502);
        assertEquals(4, e.getOriginal().getSrc().remaining());
        assertNull(e.getOriginal().getPackets());
        assertNull(e.getOriginal().getBytes());
        assertEquals(List.of(StatusFlag.UNREPLIED), e.getFlags());
        assertNull(e.getUse());
        assertNull(e.getSecctx());
        assertNull(e.getLabels());
        assertEquals(7L, e.getSequence());
        assertNull(e.getRaw());
    }

    @Test
    void updateEventFromCapture() throws Exception {
        String line = captureLines("bridge-off", "events-node1.txt").get(3);
        assertTrue(line.contains("[UPDATE]") && line.contains("ESTABLISHED"), line);
        ConntrackEvent e = parse(line);
        assertEquals(EventType.UPDATE, e.getType());
        assertEquals(Instant.ofEpochSecond(1795711672L, 995_286_000L), e.getTimestamp());
        assertEquals("ESTABLISHED", e.getState());
        assertEquals(432000L, e.getTimeout());
        assertPorts(e.getOriginal(), "10.244.1.2", "10.96.0.20", 41622, 80);
        assertPorts(e.getReply(), "10.244.2.2", "10.244.1.2", 8080, 41622);
        assertEquals(List.of(StatusFlag.ASSURED), e.getFlags());
        assertEquals(913990877L, e.getConntrackId());
    }

    @Test
    void destroyWithoutTimeoutFromCapture() throws Exception {
        String line = captureLines("bridge-off", "events-node1.txt").get(15);
        assertTrue(line.startsWith("[1795711676.125703]\t[DESTROY] ipv4     2 tcp      6 SYN_SENT src="), line);
        ConntrackEvent e = parse(line);
        assertEquals(EventType.DESTROY, e.getType());
        assertNull(e.getTimeout());
        assertEquals("SYN_SENT", e.getState());
        assertEquals(Instant.ofEpochSecond(1795711676L, 125_703_000L), e.getTimestamp());
        assertPorts(e.getOriginal(), "10.244.1.2", "10.96.0.10", 49502, 80);
        assertPorts(e.getReply(), "10.244.1.3", "10.244.1.2", 8080, 49502);
        assertEquals(List.of(StatusFlag.UNREPLIED), e.getFlags());
        assertEquals(1019619955L, e.getConntrackId());
    }

    @Test
    void udpEventsFromCapture() throws Exception {
        List<String> lines = captureLines("bridge-off", "events-node1.txt");
        ConntrackEvent e = parse(lines.get(7));
        assertEquals(EventType.NEW, e.getType());
        assertEquals(Protocol.UDP, e.getProtocol());
        assertEquals(17, e.getProtocolNumber());
        assertNull(e.getState());
        assertEquals(6L, e.getTimeout());
        assertPorts(e.getOriginal(), "10.244.1.2", "10.96.0.53", 57136, 53);
        assertPorts(e.getReply(), "10.244.1.3", "10.244.1.2", 5353, 57136);
        assertEquals(List.of(StatusFlag.UNREPLIED), e.getFlags());
        assertEquals(270929803L, e.getConntrackId());

        String destroy = lines.stream().filter(l -> l.contains("[DESTROY] ipv4     2 udp")).findFirst().orElseThrow();
        ConntrackEvent d = parse(destroy);
        assertEquals(EventType.DESTROY, d.getType());
        assertNull(d.getState());
        assertNull(d.getTimeout());
        assertEquals(270929803L, d.getConntrackId());
    }

    @Test
    void procLineWithMarkZoneUseFromCapture() throws Exception {
        String line = captureLines("bridge-off", "proc-node1.txt").get(2);
        assertEquals("ipv4     2 tcp      6 2 TIME_WAIT src=10.244.1.2 dst=10.96.0.20 sport=41622 dport=80 src=10.244.2.2 "
            + "dst=10.244.1.2 sport=8080 dport=41622 [ASSURED] mark=0 zone=0 use=2", line);
        ConntrackEvent e = parse(line);
        assertEquals(EventType.SNAPSHOT, e.getType());
        assertEquals(FALLBACK, e.getTimestamp());
        assertEquals(L3Protocol.IPV4, e.getL3());
        assertEquals("TIME_WAIT", e.getState());
        assertEquals(2L, e.getTimeout());
        assertPorts(e.getOriginal(), "10.244.1.2", "10.96.0.20", 41622, 80);
        assertPorts(e.getReply(), "10.244.2.2", "10.244.1.2", 8080, 41622);
        assertEquals(List.of(StatusFlag.ASSURED), e.getFlags());
        assertEquals(0L, e.getMark());
        assertEquals(0, e.getZone());
        assertEquals(2, e.getUse());
        assertNull(e.getConntrackId());
    }

    @Test
    void unknownProtocolFromCapture() throws Exception {
        String line = captureLines("bridge-off", "proc-node1.txt").get(3);
        assertEquals("ipv4     2 unknown  2 592 src=10.244.1.1 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=10.244.1.1 "
            + "mark=0 zone=0 use=2", line);
        ConntrackEvent e = parse(line);
        assertEquals(L3Protocol.IPV4, e.getL3());
        assertEquals(Protocol.OTHER, e.getProtocol());
        assertEquals(2, e.getProtocolNumber());
        assertEquals(592L, e.getTimeout());
        assertNull(e.getState());
        assertEquals("10.244.1.1", addr(e.getOriginal().getSrc()));
        assertEquals("224.0.0.22", addr(e.getOriginal().getDst()));
        assertNull(e.getOriginal().getSrcPort());
        assertNull(e.getOriginal().getDstPort());
        assertEquals("224.0.0.22", addr(e.getReply().getSrc()));
        assertEquals("10.244.1.1", addr(e.getReply().getDst()));
        assertEquals(List.of(StatusFlag.UNREPLIED), e.getFlags());
        assertEquals(2, e.getUse());
    }

    // ---- hand-written variants ----

    @Test
    void ipv6WithExtendedPrefix() throws Exception {
        ConntrackEvent e = parse("[1795711669.000001]\t    [NEW] ipv6     10 tcp      6 120 SYN_SENT src=fd00::1 "
            + "dst=fd00:96::10 sport=40000 dport=80 [UNREPLIED] src=fd00::2 dst=fd00::1 sport=8080 dport=40000 id=42");
        assertEquals(EventType.NEW, e.getType());
        assertEquals(Instant.ofEpochSecond(1795711669L, 1_000L), e.getTimestamp());
        assertEquals(L3Protocol.IPV6, e.getL3());
        assertEquals(Protocol.TCP, e.getProtocol());
        assertPorts(e.getOriginal(), "fd00::1", "fd00:96::10", 40000, 80);
        assertPorts(e.getReply(), "fd00::2", "fd00::1", 8080, 40000);
        assertEquals(16, e.getOriginal().getSrc().remaining());
        assertEquals(42L, e.getConntrackId());
    }

    @Test
    void ipv6ProcLineWithFullAddresses() throws Exception {
        ConntrackEvent e = parse("ipv6     10 tcp      6 117 TIME_WAIT src=fd00:0000:0000:0000:0000:0000:0000:0001 "
            + "dst=fd00:0000:0000:0000:0000:0000:0000:0010 sport=40000 dport=80 src=fd00:0000:0000:0000:0000:0000:0000:0002 "
            + "dst=fd00:0000:0000:0000:0000:0000:0000:0001 sport=8080 dport=40000 [ASSURED] mark=0 zone=0 use=2");
        assertEquals(EventType.SNAPSHOT, e.getType());
        assertEquals(L3Protocol.IPV6, e.getL3());
        assertPorts(e.getOriginal(), "fd00::1", "fd00::10", 40000, 80);
        assertPorts(e.getReply(), "fd00::2", "fd00::1", 8080, 40000);
    }

    @Test
    void ipv6WithoutPrefixTakesFamilyFromAddresses() throws Exception {
        ConntrackEvent e = parse("tcp      6 431999 ESTABLISHED src=::ffff:10.0.0.1 dst=2001:db8::1 sport=1 dport=2 "
            + "src=2001:db8::1 dst=::ffff:10.0.0.1 sport=2 dport=1 [ASSURED] mark=0 use=1");
        assertEquals(L3Protocol.IPV6, e.getL3());
        assertEquals(16, e.getOriginal().getSrc().remaining(), "IPv4-mapped stays 16 bytes");
        assertEquals("2001:db8::1", addr(e.getOriginal().getDst()));
    }

    @Test
    void icmpWithoutPrefixOrTag() throws Exception {
        ConntrackEvent e = parse("icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=1234 [UNREPLIED] "
            + "src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=1234 mark=0 use=1");
        assertEquals(EventType.SNAPSHOT, e.getType());
        assertEquals(L3Protocol.IPV4, e.getL3());
        assertEquals(Protocol.ICMP, e.getProtocol());
        assertEquals(1, e.getProtocolNumber());
        assertEquals(29L, e.getTimeout());
        assertNull(e.getState());
        Tuple o = e.getOriginal();
        assertEquals("10.0.0.1", addr(o.getSrc()));
        assertEquals("10.0.0.2", addr(o.getDst()));
        assertEquals(8, o.getIcmpType());
        assertEquals(0, o.getIcmpCode());
        assertEquals(1234, o.getIcmpId());
        assertNull(o.getSrcPort());
        assertNull(o.getDstPort());
        Tuple r = e.getReply();
        assertEquals(0, r.getIcmpType());
        assertEquals(0, r.getIcmpCode());
        assertEquals(1234, r.getIcmpId());
        assertEquals(List.of(StatusFlag.UNREPLIED), e.getFlags());
        assertEquals(1, e.getUse());
        assertNull(e.getConntrackId(), "the id= values are the ICMP ids");
    }

    @Test
    void icmpIdAndConntrackIdAreTold() throws Exception {
        ConntrackEvent withMark = parse("[DESTROY] icmp     1 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=1234 "
            + "src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=1234 mark=0 use=1 id=99");
        assertEquals(1234, withMark.getReply().getIcmpId());
        assertEquals(99L, withMark.getConntrackId());

        ConntrackEvent bare = parse("[NEW] icmp     1 30 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=1234 [UNREPLIED] "
            + "src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=4321 id=777");
        assertEquals(1234, bare.getOriginal().getIcmpId());
        assertEquals(4321, bare.getReply().getIcmpId());
        assertEquals(777L, bare.getConntrackId());
    }

    @Test
    void icmpv6() throws Exception {
        ConntrackEvent e = parse("ipv6     10 icmpv6   58 29 src=fd00::1 dst=fd00::2 type=128 code=0 id=5 [UNREPLIED] "
            + "src=fd00::2 dst=fd00::1 type=129 code=0 id=5 mark=0 zone=0 use=2");
        assertEquals(L3Protocol.IPV6, e.getL3());
        assertEquals(Protocol.ICMPV6, e.getProtocol());
        assertEquals(58, e.getProtocolNumber());
        assertEquals(128, e.getOriginal().getIcmpType());
        assertEquals(129, e.getReply().getIcmpType());
        assertEquals(5, e.getReply().getIcmpId());
        assertEquals("fd00::2", addr(e.getOriginal().getDst()));
    }

    @Test
    void unknownProtocolsByNumber() throws Exception {
        ConntrackEvent vrrp = parse("[1795711669.996532]\t    [NEW] ipv4     2 unknown  112 600 src=10.0.0.1 dst=224.0.0.18 "
            + "[UNREPLIED] src=224.0.0.18 dst=10.0.0.1 id=5");
        assertEquals(Protocol.OTHER, vrrp.getProtocol());
        assertEquals(112, vrrp.getProtocolNumber());
        assertEquals(600L, vrrp.getTimeout());
        assertEquals(L3Protocol.IPV4, vrrp.getL3());
        assertEquals(5L, vrrp.getConntrackId());

        ConntrackEvent igmp = parse("[DESTROY] unknown  2 src=10.0.0.1 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=10.0.0.1");
        assertEquals(EventType.DESTROY, igmp.getType());
        assertEquals(Protocol.OTHER, igmp.getProtocol());
        assertEquals(2, igmp.getProtocolNumber());
        assertNull(igmp.getTimeout());

        ConntrackEvent noPrefix = parse("unknown  2 592 src=10.0.0.1 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=10.0.0.1 "
            + "mark=0 use=2");
        assertEquals(2, noPrefix.getProtocolNumber());
        assertEquals(592L, noPrefix.getTimeout());
        assertEquals(L3Protocol.IPV4, noPrefix.getL3());
    }

    @Test
    void sctpAndDccpWithStates() throws Exception {
        ConntrackEvent sctp = parse("    [NEW] ipv4     2 sctp     132 3 COOKIE_WAIT src=10.0.0.1 dst=10.0.0.2 sport=5000 "
            + "dport=6000 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=6000 dport=5000 id=11");
        assertEquals(Protocol.SCTP, sctp.getProtocol());
        assertEquals(132, sctp.getProtocolNumber());
        assertEquals("COOKIE_WAIT", sctp.getState());
        assertEquals(3L, sctp.getTimeout());
        assertPorts(sctp.getOriginal(), "10.0.0.1", "10.0.0.2", 5000, 6000);

        ConntrackEvent dccp = parse("dccp     33 120 PARTOPEN src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 "
            + "dst=10.0.0.1 sport=2 dport=1 mark=0 use=1");
        assertEquals(Protocol.DCCP, dccp.getProtocol());
        assertEquals("PARTOPEN", dccp.getState());

        ConntrackEvent udplite = parse("udplite  136 30 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 [UNREPLIED] src=10.0.0.2 "
            + "dst=10.0.0.1 sport=2 dport=1 mark=0 use=1");
        assertEquals(Protocol.UDPLITE, udplite.getProtocol());
        assertNull(udplite.getState());
    }

    @Test
    void greKeysArePorts() throws Exception {
        ConntrackEvent e = parse("ipv4     2 gre      47 179 src=10.0.0.1 dst=10.0.0.2 srckey=0x0 dstkey=0x1a2b "
            + "src=10.0.0.2 dst=10.0.0.1 srckey=0x1a2b dstkey=0x0 [ASSURED] mark=0 zone=0 use=2");
        assertEquals(Protocol.GRE, e.getProtocol());
        assertEquals(47, e.getProtocolNumber());
        assertEquals(0, e.getOriginal().getSrcPort());
        assertEquals(0x1a2b, e.getOriginal().getDstPort());
        assertEquals(0x1a2b, e.getReply().getSrcPort());
        assertEquals(0, e.getReply().getDstPort());
    }

    @Test
    void countersPerDirection() throws Exception {
        ConntrackEvent e = parse("tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 packets=3 bytes=180 "
            + "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 packets=2 bytes=120 [ASSURED] mark=0 use=1");
        assertEquals(3L, e.getOriginal().getPackets());
        assertEquals(180L, e.getOriginal().getBytes());
        assertEquals(2L, e.getReply().getPackets());
        assertEquals(120L, e.getReply().getBytes());

        ConntrackEvent unreplied = parse("ipv4     2 udp      17 29 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=53 packets=1 "
            + "bytes=60 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=1 packets=0 bytes=0 mark=0 zone=0 use=2");
        assertEquals(1L, unreplied.getOriginal().getPackets());
        assertEquals(60L, unreplied.getOriginal().getBytes());
        assertEquals(0L, unreplied.getReply().getPackets());
        assertEquals(List.of(StatusFlag.UNREPLIED), unreplied.getFlags());

        ConntrackEvent huge = parse("tcp 6 1 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 packets=9223372036854775807 "
            + "bytes=9223372036854775807 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1");
        assertEquals(Long.MAX_VALUE, huge.getOriginal().getBytes());
    }

    @Test
    void offloadAndUnknownFlags() throws Exception {
        String tuples = "src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 ";
        assertEquals(List.of(StatusFlag.OFFLOAD), parse("tcp 6 100 ESTABLISHED " + tuples + "[OFFLOAD] mark=0 use=2").getFlags());
        assertEquals(List.of(StatusFlag.HW_OFFLOAD),
            parse("tcp 6 100 ESTABLISHED " + tuples + "[HW_OFFLOAD] mark=0 use=2").getFlags());
        assertEquals(List.of(StatusFlag.ASSURED, StatusFlag.UNKNOWN),
            parse("tcp 6 100 ESTABLISHED " + tuples + "[ASSURED] [FUTURE_FLAG] [ASSURED] [other-2] mark=0").getFlags());
        assertEquals(List.of(), parse("tcp 6 100 ESTABLISHED " + tuples + "mark=0").getFlags());
    }

    @Test
    void zonesMarkLabelsSecctxAndUnknownKeys() throws Exception {
        ConntrackEvent e = parse("[UPDATE] tcp      6 120 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 zone-orig=5 "
            + "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 zone-reply=6 [ASSURED] mark=4294967295 secmark=0 "
            + "secctx=system_u:object_r:unlabeled_t:s0 zone=3 delta-time=12 helper=ftp future=x use=1 id=4294967295 "
            + "labels=foo,bar");
        assertEquals(3, e.getZone());
        assertEquals(4294967295L, e.getMark());
        assertEquals("system_u:object_r:unlabeled_t:s0", e.getSecctx());
        assertEquals("foo,bar", e.getLabels());
        assertEquals(1, e.getUse());
        assertEquals(4294967295L, e.getConntrackId());
        assertPorts(e.getReply(), "10.0.0.2", "10.0.0.1", 2, 1);

        String tuples = "src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 ";
        String reply = "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 ";
        assertEquals(5, parse("tcp 6 1 CLOSE " + tuples + "zone-orig=5 " + reply + "zone-reply=6").getZone());
        assertEquals(6, parse("tcp 6 1 CLOSE " + tuples + reply + "zone-reply=6").getZone());
        assertEquals(0, parse("tcp 6 1 CLOSE " + tuples + reply).getZone());
    }

    @Test
    void kernelTimestampsInBracketsAreSkipped() throws Exception {
        ConntrackEvent e = parse("[DESTROY] tcp      6 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 "
            + "sport=2 dport=1 [ASSURED] delta-time=12 [start=Thu Jan  1 00:00:00 1970] [stop=Thu Jan  1 00:00:12 1970] id=1");
        assertEquals(List.of(StatusFlag.ASSURED), e.getFlags());
        assertEquals(1L, e.getConntrackId());
        assertNull(e.getState());
    }

    @Test
    void eventsWithoutTimestampOrIdOrPrefix() throws Exception {
        ConntrackEvent e = parse("    [NEW] tcp      6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=80 [UNREPLIED] "
            + "src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1");
        assertEquals(EventType.NEW, e.getType());
        assertEquals(FALLBACK, e.getTimestamp());
        assertEquals(L3Protocol.IPV4, e.getL3());
        assertNull(e.getConntrackId());
        assertEquals(120L, e.getTimeout());

        ConntrackEvent withId = parse(" [UPDATE] tcp      6 60 SYN_RECV src=10.0.0.1 dst=10.0.0.2 sport=1 dport=80 "
            + "src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1 id=3");
        assertEquals(EventType.UPDATE, withId.getType());
        assertEquals(3L, withId.getConntrackId());
    }

    @Test
    void conntrackListFormats() throws Exception {
        ConntrackEvent plain = parse("tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 "
            + "dst=10.0.0.1 sport=2 dport=1 [ASSURED] mark=0 use=1");
        assertEquals(EventType.SNAPSHOT, plain.getType());
        assertEquals(431999L, plain.getTimeout());
        assertEquals(1, plain.getUse());

        ConntrackEvent extendedId = parse("ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 "
            + "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 [ASSURED] mark=0 use=1 id=3");
        assertEquals(EventType.SNAPSHOT, extendedId.getType());
        assertEquals(3L, extendedId.getConntrackId());
    }

    @Test
    void conntrackTimestampMicrosecondsAreNotZeroPadded() throws Exception {
        String rest = " [UPDATE] tcp 6 60 SYN_RECV src=10.0.0.1 dst=10.0.0.2 sport=1 dport=80 src=10.0.0.2 dst=10.0.0.1 "
            + "sport=80 dport=1";
        // conntrack-tools prints "[%-8ld.%-6ld]": tv_usec 5123 comes out as "5123  ".
        assertEquals(Instant.ofEpochSecond(1795711669L, 5_123_000L), parse("[1795711669.5123  ]\t" + rest).getTimestamp());
        assertEquals(Instant.ofEpochSecond(1795711669L, 5_000L), parse("[1795711669.5     ]\t" + rest).getTimestamp());
        assertEquals(Instant.ofEpochSecond(1795711669L), parse("[1795711669]" + rest).getTimestamp());
        assertEquals(Instant.ofEpochSecond(12L, 999_999_000L), parse("[12      .999999]" + rest).getTimestamp());
    }

    @Test
    void destroyNeverHasATimeout() throws Exception {
        ConntrackEvent e = parse("[DESTROY] tcp 6 30 TIME_WAIT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 "
            + "dst=10.0.0.1 sport=2 dport=1 [ASSURED]");
        assertNull(e.getTimeout());
        assertEquals("TIME_WAIT", e.getState());
    }

    @Test
    void keepsRawLineAndNodeWhenAsked() throws Exception {
        String line = "tcp 6 1 CLOSE src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1";
        ConntrackEvent e = new ConntrackLineParser("nodeX", true).parse(line, FALLBACK, 99);
        assertEquals(line, e.getRaw());
        assertEquals("nodeX", e.getNode());
        assertEquals(99L, e.getSequence());
        assertEquals(line, ConntrackLineParser.parse(line, "n", FALLBACK, 1, true).getRaw());
        assertNull(ConntrackLineParser.parse(line, "n", FALLBACK, 1, false).getRaw());
    }

    @Test
    void trailingNewlineAndCarriageReturnAreIgnored() throws Exception {
        String line = "tcp 6 1 CLOSE src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 id=5";
        assertEquals(5L, parse(line + "\r\n").getConntrackId());
        assertEquals(5L, parse(line + "\n").getConntrackId());
    }

    @Test
    void eventsSerializeWithTheirSchema() throws Exception {
        // The records must be valid for Avro (all non-null fields set), not just readable in Java.
        ConntrackEvent e = parse(captureLines("bridge-off", "events-node1.txt").get(0));
        ConntrackEvent back = ConntrackEvent.fromByteBuffer(e.toByteBuffer());
        assertEquals(e, back);
    }

    // ---- malformed input ----

    static Stream<Arguments> malformed() {
        String ok1 = "src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2";
        String ok2 = "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1";
        return Stream.of(
            Arguments.of("", "empty line"),
            Arguments.of(" \t  ", "empty line"),
            Arguments.of("garbage", "no protocol number"),
            Arguments.of("hello world", "bad protocol number 'world'"),
            Arguments.of("\u0000\u0001\u00ff\ufffd binary", "expected protocol, got '??\u00ff\ufffd'"),
            Arguments.of("=x", "expected protocol, got '=x'"),
            Arguments.of("[NEW", "unterminated '[NEW'"),
            Arguments.of("[1795711669.99", "unterminated '[1795711669.99'"),
            Arguments.of("[FOO] tcp 6 1 " + ok1 + " " + ok2, "unknown event type '[FOO]'"),
            Arguments.of("[12a.5] tcp 6 1 " + ok1 + " " + ok2, "bad timestamp '[12a.5]'"),
            Arguments.of("[1.1234567] tcp 6 1 " + ok1 + " " + ok2, "bad timestamp '[1.1234567]'"),
            Arguments.of("[1795711669.996532]", "no protocol"),
            Arguments.of("[1795711669.996532]\t    [NEW]", "no protocol"),
            Arguments.of("tcp", "no protocol number"),
            Arguments.of("tcp 300 1 " + ok1 + " " + ok2, "bad protocol number '300'"),
            Arguments.of("tcp 17 1 " + ok1 + " " + ok2, "protocol 'tcp' with number 17"),
            Arguments.of("ipv4 2 tcp 6 1", "no original tuple"),
            Arguments.of("ipv4 999 tcp 6 1 " + ok1 + " " + ok2, "bad layer-3 number '999'"),
            Arguments.of("ipv4 10 tcp 6 1 " + ok1 + " " + ok2, "bad layer-3 number '10'"),
            Arguments.of("ipv6 2 tcp 6 1 " + ok1 + " " + ok2, "bad layer-3 number '2'"),
            Arguments.of("ipx 2 tcp 6 1 " + ok1 + " " + ok2, "unknown layer 3 'ipx'"),
            Arguments.of("tcp 6 120 SYN_SENT " + ok1, "no reply tuple"),
            Arguments.of("tcp 6 120 SYN_SENT " + ok1 + " [UNREPLIED]", "no reply tuple"),
            Arguments.of("tcp 6 120 SYN_SENT " + ok1 + " " + ok2 + " " + ok1, "more than two tuples"),
            Arguments.of("tcp 6 120 dst=10.0.0.1 " + ok1 + " " + ok2, "dst= before src="),
            Arguments.of("tcp 6 120 packets=1 " + ok1 + " " + ok2, "packets= before src="),
            Arguments.of("tcp 6 120 SYN_SENT foo " + ok1 + " " + ok2, "unexpected 'foo'"),
            Arguments.of("tcp 6 1 src=10.0.0.256 dst=10.0.0.2 sport=1 dport=2 " + ok2, "bad address '10.0.0.256'"),
            Arguments.of("tcp 6 1 src=x dst=10.0.0.2 sport=1 dport=2 " + ok2, "bad address 'x'"),
            Arguments.of("tcp 6 1 src=fd00:::1 dst=fd00::2 sport=1 dport=2 " + ok2, "bad address 'fd00:::1'"),
            Arguments.of("tcp 6 1 src= dst=10.0.0.2 sport=1 dport=2 " + ok2, "bad address ''"),
            Arguments.of("tcp 6 1 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=70000 " + ok2, "port out of range '70000' (max 65535)"),
            Arguments.of("tcp 6 1 src=10.0.0.1 dst=10.0.0.2 sport=-1 dport=2 " + ok2, "bad port '-1'"),
            Arguments.of("tcp 6 1 src=10.0.0.1 dst=10.0.0.2 sport=1 " + ok2, "no ports in original tuple"),
            Arguments.of("tcp 6 1 " + ok1 + " src=10.0.0.2 sport=2 dport=1", "no dst in reply tuple"),
            Arguments.of("tcp 6 1 " + ok1 + " " + ok2 + " mark=abc", "bad mark 'abc'"),
            Arguments.of("tcp 6 1 " + ok1 + " " + ok2 + " mark=4294967296", "mark out of range '4294967296' (max 4294967295)"),
            Arguments.of("tcp 6 1 " + ok1 + " " + ok2 + " id=-5", "bad id '-5'"),
            Arguments.of("tcp 6 1 " + ok1 + " " + ok2 + " [a b]", "bad flag '[a b]'"),
            Arguments.of("tcp 6 1 " + ok1 + " " + ok2 + " []", "bad flag '[]'"),
            Arguments.of("tcp 6 1 " + ok1 + " src=fd00::2 dst=fd00::1 sport=2 dport=1", "mixed IPv4 and IPv6 tuples"),
            Arguments.of("tcp 6 1 src=10.0.0.1 dst=fd00::2 sport=1 dport=2 " + ok2, "mixed IPv4 and IPv6 in original tuple"),
            Arguments.of("ipv4 2 tcp 6 1 src=fd00::1 dst=fd00::2 sport=1 dport=2 src=fd00::2 dst=fd00::1 sport=2 dport=1",
                "ipv4 entry with IPv6 addresses"),
            Arguments.of("ipv6 10 tcp 6 1 " + ok1 + " " + ok2, "ipv6 entry with IPv4 addresses"),
            Arguments.of("icmp 1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=1",
                "no icmp type/code/id in original tuple"),
            Arguments.of("icmp 1 29 src=10.0.0.1 dst=10.0.0.2 type=300 code=0 id=1 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=1",
                "icmp type out of range '300' (max 255)"),
            Arguments.of("gre 47 1 src=10.0.0.1 dst=10.0.0.2 src=10.0.0.2 dst=10.0.0.1", "no gre keys in original tuple"),
            Arguments.of("gre 47 1 src=10.0.0.1 dst=10.0.0.2 srckey=0xZZ dstkey=0x1 src=10.0.0.2 dst=10.0.0.1 srckey=0x1 "
                + "dstkey=0x0", "bad gre key '0xZZ'"),
            Arguments.of("conntrack v1.4.7 (conntrack-tools): 5 flow entries have been shown.", "bad protocol number 'v1.4.7'"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedLinesGiveAReason(String line, String reason) {
        ParseException e = assertThrows(ParseException.class, () -> parse(line));
        assertEquals(reason, e.getMessage());
        assertEquals(reason, e.reason());
    }

    @Test
    void nullLineIsAParseException() {
        assertEquals("no line", assertThrows(ParseException.class, () -> parse(null)).getMessage());
    }

    @Test
    void overlongLinesAreRejectedBeforeParsing() {
        String ok = "tcp 6 1 CLOSE src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 ";
        String huge = ok + "x=".repeat(50 * 1024); // 100 KiB, valid shape
        ParseException e = assertThrows(ParseException.class, () -> parse(huge));
        assertEquals("line too long (" + huge.length() + " chars)", e.getMessage());
        // Just under the limit it is parsed (unknown keys are tolerated).
        String atLimit = ok + "y".repeat(ConntrackLineParser.MAX_LINE_CHARS - ok.length() - 2) + "=1";
        assertEquals(ConntrackLineParser.MAX_LINE_CHARS, atLimit.length());
        assertNotNull(assertDoesNotThrowParse(atLimit));
    }

    private ConntrackEvent assertDoesNotThrowParse(String line) {
        try {
            return parse(line);
        } catch (ParseException e) {
            return fail("unexpected: " + e.getMessage());
        }
    }

    static Stream<Arguments> truncationSamples() {
        return Stream.of(
            Arguments.of("[1795711669.996532]\t    [NEW] ipv4     2 tcp      6 6 SYN_SENT src=10.244.1.2 dst=10.96.0.10 "
                + "sport=49502 dport=80 [UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=49502 id=1019619955",
                "dport="),
            Arguments.of("[1795711685.996747]\t[DESTROY] ipv4     2 udp      17 src=10.244.1.2 dst=10.96.0.53 sport=57136 "
                + "dport=53 [UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=5353 dport=57136 id=270929803", "dport="),
            Arguments.of("ipv4     2 tcp      6 2 TIME_WAIT src=10.244.1.2 dst=10.96.0.20 sport=41622 dport=80 "
                + "src=10.244.2.2 dst=10.244.1.2 sport=8080 dport=41622 [ASSURED] mark=0 zone=0 use=2", "dport="),
            Arguments.of("icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=1234 [UNREPLIED] src=10.0.0.2 "
                + "dst=10.0.0.1 type=0 code=0 id=1234 mark=0 use=1", "id="),
            Arguments.of("    [NEW] ipv6     10 tcp      6 120 SYN_SENT src=fd00::1 dst=fd00::10 sport=40000 dport=80 "
                + "[UNREPLIED] src=fd00::2 dst=fd00::1 sport=8080 dport=40000 id=42", "dport="));
    }

    /**
     * Cut a real line at every position: up to the last required field (the reply's last
     * port/id key) every prefix is rejected; after it, a prefix may parse (e.g. "dport=4") but
     * then its original tuple is the full line's, and nothing but ParseException is thrown.
     */
    @ParameterizedTest
    @MethodSource("truncationSamples")
    void truncatedLinesAreRejected(String line, String lastRequiredKey) throws Exception {
        ConntrackEvent full = parse(line);
        int mustFailUpTo = line.lastIndexOf(lastRequiredKey) + lastRequiredKey.length();
        for (int cut = 0; cut < line.length(); cut++) {
            String prefix = line.substring(0, cut);
            if (cut <= mustFailUpTo) {
                ParseException e = assertThrows(ParseException.class, () -> parse(prefix), () -> "cut: " + prefix);
                assertTrue(!e.getMessage().isBlank() && e.getMessage().length() < 120, e.getMessage());
            } else {
                try {
                    ConntrackEvent partial = parse(prefix);
                    assertEquals(full.getOriginal(), partial.getOriginal(), prefix);
                    assertEquals(full.getReply().getSrc(), partial.getReply().getSrc(), prefix);
                } catch (ParseException expected) {
                    assertTrue(!expected.getMessage().isBlank());
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "0.0.0.0", "255.255.255.255", "fd00::1", "::", "::1", "2001:db8:0:0:1:0:0:1",
        "fe80::1:2:3:4", "::ffff:192.168.1.1", "1:2:3:4:5:6:7:8", "1::8", "0000:0000:0000:0000:0000:0000:0000:0001"})
    void addressesMatchTheSharedParser(String literal) throws Exception {
        String line = "tcp 6 1 CLOSE src=" + literal + " dst=" + literal + " sport=1 dport=2 src=" + literal + " dst="
            + literal + " sport=2 dport=1";
        ConntrackEvent e = parse(line);
        assertEquals(java.nio.ByteBuffer.wrap(Addresses.parse(literal)), e.getOriginal().getSrc());
        assertEquals(java.nio.ByteBuffer.wrap(Addresses.parse(literal)), e.getReply().getDst());
    }
}
