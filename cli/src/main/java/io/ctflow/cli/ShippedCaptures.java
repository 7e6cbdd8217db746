package io.ctflow.cli;

import io.ctflow.config.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** The real kernel captures packed into the jar (resources {@code captures/<scenario>/}), unpacked for replay. */
final class ShippedCaptures {
    static final List<String> SCENARIOS = List.of("bridge-off", "bridge-on", "hairpin", "bridge-off-nft");
    private static final List<String> FILES = List.of("events", "facts", "nat", "proc", "stats-before", "stats-after",
            "count-before", "count-after");
    /** Files a node may have besides FILES' .txt ones: kube-proxy's nftables table as nft -j prints it. */
    private static final List<String> OTHER_FILES = List.of("nat-%s.json", "ipvs-%s.txt");

    private ShippedCaptures() {}

    /** Unpacks one scenario into a fresh temporary directory (deleted at exit). */
    static Path unpack(String scenario) {
        if (!SCENARIOS.contains(scenario)) {
            throw new UsageException("no shipped capture '" + scenario + "'; shipped: " + String.join(", ", SCENARIOS));
        }
        try {
            Path dir = Files.createTempDirectory("ctflow-capture-" + scenario);
            dir.toFile().deleteOnExit();
            for (String node : List.of("node1", "node2")) {
                List<String> names = new java.util.ArrayList<>();
                FILES.forEach(kind -> names.add(kind + "-" + node + ".txt"));
                OTHER_FILES.forEach(pattern -> names.add(String.format(pattern, node)));
                for (String name : names) {
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
