package io.ctflow.collector.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ctflow.avro.CpuStats;
import io.ctflow.testing.Captures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ConntrackStatsParserTest {

    private static CpuStats zeros(int cpu) {
        return new CpuStats(cpu, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L);
    }

    @Test
    void everyCaptureStatsFileParses() throws Exception {
        int files = 0;
        for (String scenario : Captures.SCENARIOS) {
            List<Path> stats;
            try (Stream<Path> s = Files.list(Captures.scenario(scenario))) {
                stats = s.filter(p -> p.getFileName().toString().startsWith("stats-")).collect(Collectors.toList());
            }
            for (Path file : stats) {
                List<CpuStats> cpus = ConntrackStatsParser.parse(Files.readString(file, StandardCharsets.UTF_8));
                assertEquals(List.of(zeros(0), zeros(1)), cpus, file.toString());
                files++;
            }
        }
        assertEquals(12, files);
    }

    @Test
    void countersByName() {
        List<CpuStats> cpus = ConntrackStatsParser.parse(
            "cpu=0   \tfound=1 invalid=2 insert=3 insert_failed=4 drop=5 early_drop=6 error=7 search_restart=8 "
                + "clash_resolve=9 chaintoolong=10 \n"
                + "cpu=17  \tfound=18446744073709 invalid=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 "
                + "search_restart=0 \n");
        assertEquals(List.of(new CpuStats(0, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L),
            new CpuStats(17, 18446744073709L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L)), cpus);
    }

    @Test
    void olderAndNewerCountersAreTolerated() {
        List<CpuStats> cpus = ConntrackStatsParser.parse("cpu=0 searched=12 found=3 new=4 invalid=1 ignore=9 delete=2 "
            + "delete_list=2 insert=4 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 future=abc\n\n"
            + "conntrack v1.4.7 (conntrack-tools): done\r\n");
        assertEquals(List.of(new CpuStats(0, 3L, 1L, 4L, 0L, 0L, 0L, 0L, 0L, 0L, 0L)), cpus);
        assertEquals(List.of(), ConntrackStatsParser.parse(""));
    }

    @Test
    void badKnownCounterNamesTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ConntrackStatsParser.parse("cpu=0 found=1\ncpu=1 found=x\n"));
        assertEquals("line 2: bad found 'x'", e.getMessage());
        assertEquals("line 1: bad cpu '-1'", assertThrows(IllegalArgumentException.class,
            () -> ConntrackStatsParser.parse("cpu=-1 found=1")).getMessage());
    }

    @Test
    void count() {
        assertEquals(262L, ConntrackStatsParser.parseCount("262\n"));
        assertEquals(0L, ConntrackStatsParser.parseCount(" 0 "));
        assertEquals("bad conntrack count 'x'",
            assertThrows(IllegalArgumentException.class, () -> ConntrackStatsParser.parseCount("x")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConntrackStatsParser.parseCount(""));
        assertThrows(IllegalArgumentException.class, () -> ConntrackStatsParser.parseCount(null));
        assertThrows(IllegalArgumentException.class, () -> ConntrackStatsParser.parseCount("99999999999999999999"));
    }
}
