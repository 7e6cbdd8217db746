package io.ctflow.collector.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctflow.collector.CollectorMain;
import io.ctflow.testing.Captures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ParseCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    record Run(int code, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }
    }

    static Run run(String... args) {
        CommandLine cl = CollectorMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void printsOneJsonObjectPerEvent() throws Exception {
        Path file = Captures.scenario("bridge-off").resolve("events-node1.txt");
        Run r = run("parse", file.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        List<String> lines = r.outLines();
        assertEquals(Files.readAllLines(file).stream().filter(l -> !l.isBlank()).count(), lines.size());
        for (String l : lines) {
            assertTrue(JSON.readTree(l).isObject(), l);
        }
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals("node1", first.get("node").asText(), "node from the file name");
        assertEquals("NEW", first.get("type").asText());
        assertEquals(Instant.ofEpochSecond(1795711669, 996532000).toString(), first.get("timestamp").asText());
        assertEquals(1019619955L, first.get("conntrackId").asLong());
        assertEquals("IPV4", first.get("l3").asText());
        assertEquals("TCP", first.get("protocol").asText());
        assertEquals(6, first.get("protocolNumber").asInt());
        assertEquals("SYN_SENT", first.get("state").asText());
        assertEquals(6, first.get("timeout").asLong());
        assertEquals("10.244.1.2", first.at("/original/src").asText());
        assertEquals("10.96.0.10", first.at("/original/dst").asText());
        assertEquals(49502, first.at("/original/srcPort").asInt());
        assertEquals(80, first.at("/original/dstPort").asInt());
        assertEquals("10.244.1.3", first.at("/reply/src").asText());
        assertEquals(8080, first.at("/reply/srcPort").asInt());
        assertEquals("UNREPLIED", first.at("/flags/0").asText());
        assertEquals(1, first.get("sequence").asLong());
        assertTrue(first.get("raw").isNull());
    }

    @Test
    void aLossLineIsAGapEventAndAMalformedOneADeadLetter(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("events-n3.txt");
        List<String> lines = Files.readAllLines(Captures.scenario("bridge-off").resolve("events-node1.txt")).subList(0, 2);
        Files.write(file, List.of(lines.get(0), "[1795711670.250000] lost events (ENOBUFS)", "[1795711670] lost events", lines.get(1)));
        Run r = run("parse", file.toString());
        assertEquals(0, r.code(), r.err());
        List<String> out = r.outLines();
        assertEquals(3, out.size(), r.out());
        JsonNode gap = JSON.readTree(out.get(1));
        assertEquals("GAP", gap.get("type").asText());
        assertEquals("n3", gap.get("node").asText());
        assertEquals(Instant.ofEpochSecond(1795711670, 250_000_000).toString(), gap.get("timestamp").asText());
        assertEquals(1, gap.get("sequence").asLong(), "the last sequence, as a marker");
        assertEquals(2, JSON.readTree(out.get(2)).get("sequence").asLong());
        JsonNode dead = JSON.readTree(r.err().strip());
        assertEquals(3, dead.get("line").asInt());
        assertTrue(dead.get("reason").asText().startsWith("malformed loss line"), r.err());
    }

    @Test
    void nodeFlagAndKeepRaw() throws Exception {
        Path file = Captures.scenario("hairpin").resolve("events-node2.txt");
        Run r = run("parse", "--node", "n9", "--keep-raw", file.toString());
        JsonNode first = JSON.readTree(r.outLines().get(0));
        assertEquals("n9", first.get("node").asText());
        assertEquals(Files.readAllLines(file).get(0), first.get("raw").asText());
    }

    @Test
    void unparsableLinesGoToStderrAndExitIsZero(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("x.txt");
        Files.writeString(f, String.join("\n",
                "tcp 6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 [ASSURED] mark=0 use=1",
                "this is not conntrack",
                "", "udp 17 src=10.0.0.1"));
        Run r = run("parse", f.toString());
        assertEquals(0, r.code());
        assertEquals(1, r.outLines().size());
        JsonNode snap = JSON.readTree(r.outLines().get(0));
        assertEquals("SNAPSHOT", snap.get("type").asText());
        assertEquals("unknown", snap.get("node").asText());
        List<String> err = r.err().lines().toList();
        assertEquals(2, err.size(), r.err());
        JsonNode d = JSON.readTree(err.get(0));
        assertEquals("this is not conntrack", d.get("deadLetter").asText());
        assertEquals(2, d.get("line").asInt());
        assertTrue(d.get("reason").asText().length() > 3, d.toString());
        assertEquals(4, JSON.readTree(err.get(1)).get("line").asInt());
    }

    @Test
    void missingFileIsOneLineAndExitTwo() {
        Run r = run("parse", "/nonexistent/events-x.txt");
        assertEquals(2, r.code());
        assertEquals("ctflow parse: file not found: /nonexistent/events-x.txt\n", r.err());
    }

    @Test
    void badFlagIsOneLineAndExitTwo() {
        Run r = run("replay", "--speed", "fast", "somewhere");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("ctflow replay: "), r.err());
        assertTrue(r.err().contains("speed must be max, 1x or Nx"), r.err());
        assertEquals(1, r.err().lines().count());
    }

    @Test
    void replayOfANonCaptureIsAUserError(@TempDir Path tmp) {
        Run r = run("replay", "--bootstrap-servers", "127.0.0.1:1", tmp.toString());
        assertEquals(2, r.code());
        assertEquals("ctflow replay: " + tmp + " is not a capture: it has no events-NODE.txt file\n", r.err());
    }

    @Test
    void badConfigValueIsAUserError() {
        Run r = run("replay", "--set", "topic.partitions=many", Captures.scenario("hairpin").toString());
        assertEquals(2, r.code());
        assertEquals("ctflow replay: bad setting topic.partitions=many (from --set topic.partitions): Not a number of type INT; "
                + "allowed: [1,...]\n", r.err());
    }
}
