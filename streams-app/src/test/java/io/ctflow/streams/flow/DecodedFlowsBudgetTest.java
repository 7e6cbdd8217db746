package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DecodedFlowsBudgetTest {
    @Test
    void theInstancesBudgetIsSplitAmongItsTasksDownToABurstsRoom() {
        long mib = DecodedFlowsBudget.MIN_PER_TASK;
        DecodedFlowsBudget budget = new DecodedFlowsBudget(8 * mib);
        assertEquals(8 * mib, budget.perTask(), "no task yet: the whole budget");
        budget.join();
        assertEquals(8 * mib, budget.perTask());
        for (int i = 0; i < 3; i++) {
            budget.join();
        }
        assertEquals(2 * mib, budget.perTask());
        for (int i = 0; i < 3; i++) {
            budget.leave();
        }
        assertEquals(1, budget.tasks());
        assertEquals(8 * mib, budget.perTask(), "tasks that left give their share back");
        for (int i = 0; i < 63; i++) {
            budget.join();
        }
        assertEquals(mib, budget.perTask(), "never below a burst's room");
        assertThrows(IllegalArgumentException.class, () -> new DecodedFlowsBudget(mib - 1));
    }
}
