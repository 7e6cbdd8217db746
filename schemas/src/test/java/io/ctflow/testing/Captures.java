package io.ctflow.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Locates the real kernel captures shipped in {@code testdata/captures} from any module's tests. */
public final class Captures {
    public static final List<String> SCENARIOS = List.of("bridge-on", "bridge-off", "hairpin");

    private Captures() {}

    /** The {@code testdata/captures} directory, found by walking up from the working directory. */
    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("testdata").resolve("captures");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("testdata/captures not found above " + Path.of("").toAbsolutePath());
    }

    /** One scenario's capture directory, e.g. {@code bridge-off}. */
    public static Path scenario(String name) {
        return root().resolve(name);
    }
}
