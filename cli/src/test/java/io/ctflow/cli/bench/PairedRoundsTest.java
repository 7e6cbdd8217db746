package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PairedRoundsTest {

    @Test
    void warmsBothUpThenAlternatesWhichSideRunsFirstAndCountsOnlyThePairs() throws Exception {
        List<String> order = new ArrayList<>();
        int[] n = {0, 0};
        PairedRounds.Result r = PairedRounds.run(4,
                () -> { order.add("ours"); return 100 + n[0]++; },
                () -> { order.add("base"); return 200 + n[1]++; });
        assertEquals(List.of("ours", "base", "ours", "base", "base", "ours", "ours", "base", "base", "ours"), order);
        assertEquals(List.of(101.0, 102.0, 103.0, 104.0), r.ours()); // 100 and 200 were the warm-up's
        assertEquals(List.of(201.0, 202.0, 203.0, 204.0), r.baseline());
    }

    @Test
    void countsAtLeastTenPairsAndMoreWhenTheRoundsAskForMore() {
        assertEquals(10, PairedRounds.pairs(1));
        assertEquals(10, PairedRounds.pairs(3));
        assertEquals(12, PairedRounds.pairs(12));
    }

    @Test
    void aFailingSideStopsTheMeasurement() {
        IllegalStateException boom = new IllegalStateException("nothing serialized");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> PairedRounds.run(3, () -> 1.0, () -> { throw boom; }));
        assertSame(boom, thrown);
    }
}
