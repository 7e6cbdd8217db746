package io.ctflow.config;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The layers every configurable command shares (a picocli mixin): {@code --config FILE},
 * {@code --set KEY=VALUE} and {@code --help-config}. A command's own flags that set a key name it as
 * their {@code descriptionKey}; they have no default of their own (the declaration's applies), and
 * their description comes from the declaration ({@link SchemaHelp}).
 */
public final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "Properties file (any key of --help-config, and any Kafka client or registry property).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = {"Any setting (ours, Kafka's or the registry client's), repeatable;",
            "wins over flags, CTFLOW_* variables and --config."})
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--help-config", help = true, description = "Print every setting (key, type, default, allowed values, environment variable, meaning) and exit.")
    boolean helpConfig;

    public Path config() {
        return config;
    }

    public Map<String, String> set() {
        return set;
    }

    /** With --help-config: prints the schema's table and returns true (the command then exits 0). */
    public boolean printedHelp(ConfigSchema schema, PrintWriter out) {
        if (helpConfig) {
            out.print(schema.table());
            out.flush();
        }
        return helpConfig;
    }

    /** Defaults → --config → CTFLOW_* → the command's flags → --set. */
    public ConfigSources sources(CommandSpec spec, ConfigSchema schema, Map<String, String> env) {
        return new ConfigSources(config, env, flags(spec, schema), set);
    }

    /** The values of the options (of the command and its mixins) whose descriptionKey is a declared key. */
    public static Map<String, ConfigSources.Flag> flags(CommandSpec spec, ConfigSchema schema) {
        Map<String, ConfigSources.Flag> f = new LinkedHashMap<>();
        for (OptionSpec o : spec.options()) {
            String key = o.descriptionKey();
            Object v = o.getValue();
            if (key != null && schema.declares(key) && v != null) {
                String text = v instanceof Collection<?> c ? c.stream().map(String::valueOf).collect(Collectors.joining(","))
                        : v.toString();
                f.put(key, new ConfigSources.Flag(text, o.longestName()));
            }
        }
        return f;
    }
}
