package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ConntrackStateTest {
    @Test
    void codesAreTheOnesStoredFlowsWereWrittenWith() {
        // pinned: the flows store holds these numbers; changing one would misread every stored flow
        assertEquals(1, ConntrackState.NONE.code());
        assertEquals(2, ConntrackState.SYN_SENT.code());
        assertEquals(3, ConntrackState.SYN_RECV.code());
        assertEquals(4, ConntrackState.ESTABLISHED.code());
        assertEquals(8, ConntrackState.TIME_WAIT.code());
        assertEquals(24, ConntrackState.TIMEWAIT.code());
        assertEquals(ConntrackState.values().length, Arrays.stream(ConntrackState.values()).mapToInt(ConntrackState::code).distinct().count());
    }

    @Test
    void findsByNameAndByCode() {
        assertEquals(ConntrackState.ESTABLISHED, ConntrackState.named("ESTABLISHED"));
        assertNull(ConntrackState.named("SOMETHING_NEW"), "stored by name instead");
        assertEquals(ConntrackState.SYN_RECV, ConntrackState.ofCode(3));
        assertNull(ConntrackState.ofCode(0));
        assertNull(ConntrackState.ofCode(99));
    }
}
