package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongMinHeapTest {

    /** Random adds (duplicates, negatives, extremes) and polls, growing far past the first array and shrinking back, against a PriorityQueue. */
    @Test
    void pollsWhatAPriorityQueueWouldInTheSameOrder() {
        SplittableRandom r = new SplittableRandom(7);
        LongMinHeap heap = new LongMinHeap();
        PriorityQueue<Long> model = new PriorityQueue<>();
        for (int phase = 0; phase < 6; phase++) {
            boolean growing = phase % 2 == 0;
            for (int n = 0; n < 50_000; n++) {
                if (growing ? r.nextInt(4) != 0 : r.nextInt(4) == 0) {
                    long v = switch (r.nextInt(5)) {
                        case 0 -> r.nextLong(10); // many duplicates
                        case 1 -> Long.MIN_VALUE + r.nextInt(3);
                        case 2 -> Long.MAX_VALUE - r.nextInt(3);
                        default -> r.nextLong();
                    };
                    heap.add(v);
                    model.add(v);
                } else if (!model.isEmpty()) {
                    assertEquals(model.peek(), heap.peek());
                    assertEquals(model.poll(), heap.poll());
                }
                assertEquals(model.size(), heap.size());
            }
        }
        while (!model.isEmpty()) {
            assertEquals(model.poll(), heap.poll());
        }
        assertTrue(heap.isEmpty());
    }

    @Test
    void anEmptyHeapRefusesPeekAndPollAndClearEmptiesIt() {
        LongMinHeap heap = new LongMinHeap();
        assertThrows(IllegalStateException.class, heap::peek);
        assertThrows(IllegalStateException.class, heap::poll);
        for (long v = 100; v > 0; v--) {
            heap.add(v);
        }
        assertEquals(1, heap.peek());
        heap.clear();
        assertTrue(heap.isEmpty());
        heap.add(5);
        assertEquals(5, heap.poll());
    }
}
