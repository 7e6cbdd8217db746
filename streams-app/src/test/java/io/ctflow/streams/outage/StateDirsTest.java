package io.ctflow.streams.outage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirsTest {
    @TempDir
    Path tmp;

    @Test
    void aWritableDirectoryIsCreatedAndLeftClean() throws Exception {
        Path dir = tmp.resolve("a/b");
        assertNull(StateDirs.unwritable(dir));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "the probe file is removed");
        }
    }

    @Test
    void aDirectoryThatCannotBeCreatedIsOneLineNamingIt() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        Path dir = file.resolve("state");
        String why = StateDirs.unwritable(dir);
        assertTrue(why != null && why.startsWith("state directory " + dir + " is not writable ("), why);
        assertTrue(why.endsWith("); set --state-dir to a writable directory"), why);
        assertEquals(1, why.lines().count());
    }

    @Test
    void aFailedStoreNamesTheStateDirectoryAndTheDeepestReason() {
        Throwable t = new StreamsException(new ProcessorStateException("Error opening store flows",
                new RuntimeException("IO error: No space left on device\nWhile appending to file")));
        assertEquals("a state store in /s failed (IO error: No space left on device While appending to file); check the free space"
                + " and permissions of the state directory: its committed state is kept and restored on restart",
                StateDirs.describe(t, Path.of("/s")));
        assertEquals("a stream thread failed: boom", StateDirs.describe(new IllegalStateException("boom"), Path.of("/s")));
        assertEquals(Path.of("/x"), StateDirs.of(Map.of("state.dir", "/x")));
    }
}
