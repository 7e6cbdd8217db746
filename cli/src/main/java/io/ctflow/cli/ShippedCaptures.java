package io.ctflow.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** The real kernel captures packed into the jar (resources {@code captures/<scenario>/}), unpacked for replay. */
final class ShippedCaptures {
    static final List<String> SCENARIOS = List.of("bridge-off", "bridge-on", "hairpin");
    private static final List<String> FILES = List.of("events", "facts", "nat", "proc", "stats-before", "stats-after",
            "count-before", "count-after");

    private ShippedCaptures() {}

    /** Unpacks one scenario into a fresh temporary directory (deleted at exit). */
    static Path unpack(String scenario) {
        if (!SCENARIOS.contains(scenario)) {
            throw new IllegalArgumentException("no shipped capture '" + scenario + "'; shipped: " + String.join(", ", SCENARIOS));
        }
        try {
            Path dir = Files.createTempDirectory("ctflow-capture-" + scenario);
            dir.toFile().deleteOnExit();
            for (String node : List.of("node1", "node2")) {
                for (String kind : FILES) {
                    String name = kind + "-" + node + ".txt";
                    try (InputStream in = ShippedCaptures.class.getResourceAsStream("/captures/" + scenario + "/" + name)) {
                        if (in != null) {
                            Path f = dir.resolve(name);
                            Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
                            f.toFile().deleteOnExit();
                        }
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the shipped capture " + scenario, e);
        }
    }
}
