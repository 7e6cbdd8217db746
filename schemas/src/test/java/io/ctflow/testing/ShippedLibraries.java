package io.ctflow.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a runnable jar ships: its runtime class path, which the package phase copies to target/lib.
 * The broker, the registry server and test libraries are test and embedded concerns, never shipped
 * by the collector or the streams app.
 */
public final class ShippedLibraries {
    private ShippedLibraries() {}

    /** Asserts target/lib holds ctflow-core and ctflow-schemas and none of the test/embedded jars. */
    public static void assertShipsNoBrokerRegistryServerOrTestLibrary(Path lib) throws IOException {
        assertTrue(Files.isDirectory(lib), lib.toAbsolutePath() + " exists after the package phase");
        List<String> jars;
        try (Stream<Path> s = Files.list(lib)) {
            jars = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(jars.stream().anyMatch(n -> n.startsWith("ctflow-core-")), "ships ctflow-core: " + jars);
        assertTrue(jars.stream().anyMatch(n -> n.startsWith("ctflow-schemas-")), "ships ctflow-schemas: " + jars);
        assertEquals(List.of(), jars.stream().filter(ShippedLibraries::testOrEmbedded).toList(), "test or embedded jars shipped");
    }

    static boolean testOrEmbedded(String jar) {
        return jar.startsWith("ctflow-embedded-") || jar.startsWith("kafka_2.") || jar.startsWith("kafka-server-")
                || jar.startsWith("kafka-streams-test-utils-") || jar.startsWith("junit-");
    }
}
