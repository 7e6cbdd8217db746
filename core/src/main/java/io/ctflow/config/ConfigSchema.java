package io.ctflow.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Validator;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * An app's settings, each declared once: name, type, default, validator and doc, in Kafka's own
 * {@link ConfigDef}. ConfigDef's group says whose a key is: {@link #OWN} keys are the app's, {@link #CLIENT}
 * keys are declared here for their default and doc but go to the Kafka clients and the registry client
 * like every undeclared key. Durations and memory sizes (ConfigDef has no such types) are strings
 * checked by {@link DurationValidator} and {@link MemoryValidator}.
 */
public final class ConfigSchema {
    /** Group of the keys the app reads itself. */
    public static final String OWN = "ctflow";
    /** Group of declared keys that pass through to the Kafka and registry clients. */
    public static final String CLIENT = "kafka";

    private final ConfigDef def;

    public ConfigSchema() {
        this.def = new ConfigDef();
    }

    private ConfigSchema(ConfigDef def) {
        this.def = def;
    }

    /** A copy, to extend (the apps start from the shared client keys). */
    public ConfigSchema copy() {
        return new ConfigSchema(new ConfigDef(def));
    }

    /** One of the app's own keys. */
    public ConfigSchema define(String name, Type type, Object defaultValue, Validator validator, String doc) {
        def.define(name, type, defaultValue, validator, Importance.HIGH, doc, OWN, def.configKeys().size(), Width.NONE, name);
        return this;
    }

    /** An own duration key: 500ms, 3s, 2m, 1h or a bare number of milliseconds, at least {@code min}; null default: unset. */
    public ConfigSchema duration(String name, String defaultValue, Duration min, String doc) {
        return define(name, Type.STRING, defaultValue, DurationValidator.atLeast(min), doc);
    }

    /**
     * An own memory key: a size (67108864, 64M, 1G) of at least {@code minBytes}, or a share of the
     * JVM's max heap ({@code 25%}); read with {@link Settings#memory}.
     */
    public ConfigSchema memory(String name, String defaultValue, long minBytes, String doc) {
        return define(name, Type.STRING, defaultValue, MemoryValidator.atLeast(minBytes), doc);
    }

    /** A key the Kafka / registry clients read, declared for its default and doc; its value passes through as text. */
    public ConfigSchema client(String name, Type type, Object defaultValue, Validator validator, String doc) {
        def.define(name, type, defaultValue, validator, Importance.MEDIUM, doc, CLIENT, def.configKeys().size(), Width.NONE, name);
        return this;
    }

    public ConfigDef def() {
        return def;
    }

    /** The declarations, in declaration order. */
    public Collection<ConfigKey> keys() {
        return def.configKeys().values();
    }

    public ConfigKey key(String name) {
        return def.configKeys().get(name);
    }

    public boolean declares(String name) {
        return def.configKeys().containsKey(name);
    }

    /** True for the app's own keys; false for client keys and undeclared ones (both go to Kafka). */
    public boolean owns(String name) {
        ConfigKey k = key(name);
        return k != null && OWN.equals(k.group);
    }

    /** {@code reply.timeout.tcp} → {@code CTFLOW_REPLY_TIMEOUT_TCP} ({@code .} and {@code -} become {@code _}). */
    public static String envName(String key) {
        return "CTFLOW_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** BOOLEAN, INT, ..., DURATION for a duration key, MEMORY for a memory key. */
    public static String typeName(ConfigKey k) {
        if (k.validator instanceof DurationValidator) {
            return "DURATION";
        }
        return k.validator instanceof MemoryValidator ? "MEMORY" : k.type.name();
    }

    /** The default as it would be written in a properties file; empty when there is none. */
    public static String defaultText(ConfigKey k) {
        if (!k.hasDefault() || k.defaultValue == null) {
            return "";
        }
        return ConfigDef.convertToString(k.defaultValue, k.type);
    }

    /** What the validator allows, or empty. */
    public static String allowedText(ConfigKey k) {
        return k.validator == null ? "" : k.validator.toString();
    }

    /** The table of {@code --help-config}, also README's: key, type, default, allowed, env variable, doc (Markdown). */
    public String table() {
        List<String> lines = new ArrayList<>();
        lines.add("| key | type | default | allowed | environment | meaning |");
        lines.add("| --- | --- | --- | --- | --- | --- |");
        for (ConfigKey k : keys()) {
            lines.add("| " + code(k.name) + " | " + typeName(k) + " | " + code(defaultText(k)) + " | " + cell(allowedText(k))
                    + " | " + code(envName(k.name)) + " | " + cell(k.documentation) + (OWN.equals(k.group) ? "" : " (passed to the clients)") + " |");
        }
        return String.join("\n", lines) + "\n";
    }

    private static String code(String s) {
        return s.isEmpty() ? "" : "`" + s.replace("|", "\\|") + "`";
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }
}
