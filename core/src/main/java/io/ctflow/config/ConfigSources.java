package io.ctflow.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where settings come from, in rising precedence: the schema's defaults, a properties file, the
 * environment ({@code CTFLOW_*}), flags, then {@code --set KEY=VALUE}.
 *
 * @param file  a properties file, or null
 * @param env   the environment (System.getenv())
 * @param flags values of a command's own flags, by key, each with the flag that gave it
 * @param set   {@code --set} pairs (win over everything)
 */
public record ConfigSources(Path file, Map<String, String> env, Map<String, Flag> flags, Map<String, String> set) {
    /** A flag's value and the flag it came from ({@code --http-port}), for messages. */
    public record Flag(String value, String name) {}

    public ConfigSources {
        env = env == null ? Map.of() : env;
        flags = flags == null ? Map.of() : flags;
        set = set == null ? Map.of() : set;
    }

    /** Only values given in code (tests, the embedded stack): they act as flags of the caller. */
    public static ConfigSources of(Map<String, String> values) {
        return new ConfigSources(null, Map.of(), flags(values, "the caller"), Map.of());
    }

    /** Values that all came from one named flag-like source. */
    public static Map<String, Flag> flags(Map<String, String> values, String name) {
        Map<String, Flag> f = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (v != null) {
                f.put(k, new Flag(v, name));
            }
        });
        return f;
    }
}
