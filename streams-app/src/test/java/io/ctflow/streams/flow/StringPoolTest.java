package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StringPoolTest {
    @Test
    void equalStringsComeBackAsOneCopy() {
        String first = StringPool.of(new String("node-7-pool-test"));
        String again = StringPool.of(new String("node-7-pool-test"));
        assertSame(first, again);
        assertEquals("node-7-pool-test", again);
        assertNull(StringPool.of(null));
    }

    @Test
    void itStaysBoundedAndStillAnswersPastItsBound() {
        for (int i = 0; i < StringPool.MAX + 10; i++) {
            assertEquals("svc-" + i, StringPool.of("svc-" + i));
            assertTrue(StringPool.size() <= StringPool.MAX, "size " + StringPool.size());
        }
    }
}
