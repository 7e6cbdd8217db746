package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What users run (README: {@code java -jar cli/target/ctflow-cli-*.jar}, lib/ beside it, or
 * {@code ./ctflow}) carries no test library: the bench measures the real app, not a
 * TopologyTestDriver. An integration test because it reads what {@code package} built.
 */
class RuntimeClassPathIT {
    private static final Path TARGET = Path.of("target");
    private static final List<String> TEST_ONLY = List.of("kafka-streams-test-utils", "junit-", "opentest4j");

    @Test
    void theRunnableJarsClassPathHoldsNoTestLibrary() throws IOException {
        Path jar = TARGET.resolve("ctflow-cli-0.1.0-SNAPSHOT.jar");
        assertTrue(Files.isRegularFile(jar), "package builds " + jar.toAbsolutePath());
        List<String> classPath;
        try (JarFile j = new JarFile(jar.toFile())) {
            classPath = Arrays.asList(j.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH).split(" "));
        }
        List<String> lib;
        try (Stream<Path> files = Files.list(TARGET.resolve("lib"))) {
            lib = files.map(p -> "lib/" + p.getFileName()).sorted().toList();
        }
        // the list is the real one: the app's own runtime is on it, and lib/ holds it (lib/ may keep
        // jars of earlier builds that no Class-Path names: java -jar does not load those)
        assertTrue(classPath.stream().anyMatch(e -> e.startsWith("lib/kafka-streams-4.")), classPath.toString());
        assertTrue(lib.containsAll(classPath), "lib/ holds the manifest's Class-Path");
        for (String entry : classPath) {
            for (String banned : TEST_ONLY) {
                assertTrue(!entry.startsWith("lib/" + banned), entry + " is a test library on the runtime class path");
            }
        }
    }
}
