package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTest {
    @Test
    void aRowHasValueBaselineRatioGoalAndSettings() {
        Figure f = new Figure("app events/s", 30_000, 120_000, "/s", "ratio >= 0.5", "1 thread");
        assertEquals("| app events/s | 30,000 /s | 120,000 /s | 0.25 | ratio >= 0.5 | 1 thread |", Report.markdownRow(f));
        assertEquals("{\"name\":\"app events/s\",\"rate\":30000.0,\"baseline\":120000.0,\"ratio\":0.25,\"unit\":\"/s\","
                + "\"goal\":\"ratio >= 0.5\",\"settings\":\"1 thread\"}", Report.jsonLine(f));
    }

    @Test
    void withoutABaselineTheRatioIsEmptyAndJsonHasNulls() {
        Figure f = new Figure("state per flow", 190.4, Double.NaN, "B", "", "peak");
        assertEquals("| state per flow | 190 B | - | - | - | peak |", Report.markdownRow(f));
        assertEquals("{\"name\":\"state per flow\",\"rate\":190.4,\"baseline\":null,\"ratio\":null,\"unit\":\"B\",\"goal\":\"\",\"settings\":\"peak\"}",
                Report.jsonLine(f));
    }

    @Test
    void bestAndMedianOfRounds() {
        assertEquals(5.0, Stats.best(List.of(1.0, 5.0, 3.0)));
        assertEquals(3.0, Stats.median(List.of(1.0, 5.0, 3.0)));
        assertEquals(2.5, Stats.median(List.of(4.0, 1.0)));
        assertEquals(Double.NaN, Stats.median(List.of()));
    }
}
