package io.ctflow.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MemorySettingTest {
    static final long MIB = 1L << 20;
    static final ConfigSchema SCHEMA = new ConfigSchema().memory("budget", "25%", MIB, "a heap budget");

    static Settings with(Map<String, String> set) {
        return Settings.load(SCHEMA, new ConfigSources(null, Map.of(), Map.of(), set));
    }

    @Test
    void aShareOfTheHeapFollowsTheHeap() {
        assertEquals(256 * MIB, with(Map.of()).memory("budget", 1024 * MIB));
        assertEquals(1024 * MIB, with(Map.of()).memory("budget", 4096 * MIB));
        assertEquals(Runtime.getRuntime().maxMemory() / 4, with(Map.of()).memory("budget"), MIB);
        assertEquals(100 * MIB, with(Map.of("budget", "12.5%")).memory("budget", 800 * MIB));
        assertEquals(MIB, with(Map.of()).memory("budget", 2 * MIB), "a tiny heap still gets the minimum");
    }

    @Test
    void aSizeIsTheSameWhateverTheHeap() {
        assertEquals(64 * MIB, with(Map.of("budget", "67108864")).memory("budget", 1024 * MIB));
        assertEquals(64 * MIB, with(Map.of("budget", "64M")).memory("budget", 8 * MIB));
        assertEquals(1L << 30, with(Map.of("budget", "1GiB")).memory("budget", 1024 * MIB));
    }

    @Test
    void badValuesAreOneLineErrorsSayingWhatIsAllowed() {
        for (String bad : new String[] {"1000", "0%", "95%", "x%", "lots", "-5M"}) {
            String m = assertThrows(UsageException.class, () -> with(Map.of("budget", bad))).getMessage();
            assertTrue(m.startsWith("bad setting budget=" + bad + " (from --set budget): "), m);
            assertTrue(m.contains("allowed: a size like 67108864, 64M or 1G, at least 1048576, or a share of the JVM's max heap like 25%"), m);
            assertEquals(-1, m.indexOf('\n'), m);
        }
    }

    @Test
    void itsTypeReadsMemoryInTheTable() {
        assertTrue(SCHEMA.table().contains("| `budget` | MEMORY | `25%` |"), SCHEMA.table());
    }
}
