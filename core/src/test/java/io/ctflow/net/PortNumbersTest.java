package io.ctflow.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ctflow.config.ExitPolicy;
import io.ctflow.config.UsageException;
import org.junit.jupiter.api.Test;

class PortNumbersTest {
    @Test
    void aPortInRangeIsKept() {
        assertEquals(0, PortNumbers.listen("registry port", 0));
        assertEquals(65535, PortNumbers.listen("registry port", 65535));
    }

    @Test
    void aPortOutOfRangeIsAUsageErrorNamingIt() {
        UsageException e = assertThrows(UsageException.class, () -> PortNumbers.listen("registry port", 70000));
        assertEquals("registry port must be 0-65535 (0: any free port), got 70000", e.getMessage());
        assertEquals(ExitPolicy.USAGE, ExitPolicy.exitCode(e));
        assertThrows(UsageException.class, () -> PortNumbers.listen("HTTP port", -1));
    }
}
