package io.ctflow.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigException;

/**
 * Settings loaded in layers ({@link ConfigSources}) and checked against a {@link ConfigSchema}: every
 * declared key is parsed and validated once, here, so a bad value is one line naming the key, the value,
 * where it came from and what is allowed ({@link UsageException}, exit code 2). Keys the app does not
 * own pass through to the Kafka clients, so TLS/SASL and registry settings work by configuration alone.
 */
public final class Settings {
    private final ConfigSchema schema;
    private final Map<String, String> text;
    private final Map<String, String> origin;
    private final Map<String, Object> parsed = new HashMap<>();

    private Settings(ConfigSchema schema, Map<String, String> text, Map<String, String> origin) {
        this.schema = schema;
        this.text = text;
        this.origin = origin;
        for (ConfigKey k : schema.keys()) {
            parsed.put(k.name, parse(k));
        }
    }

    public static Settings load(ConfigSchema schema, ConfigSources src) {
        Map<String, String> text = new LinkedHashMap<>();
        Map<String, String> origin = new HashMap<>();
        for (ConfigKey k : schema.keys()) {
            String d = ConfigSchema.defaultText(k);
            if (k.hasDefault() && k.defaultValue != null) {
                text.put(k.name, d);
                origin.put(k.name, "default");
            }
        }
        if (src.file() != null) {
            readFile(src.file(), text, origin);
        }
        src.env().forEach((var, v) -> {
            if (var.startsWith("CTFLOW_") && var.length() > 7) {
                String key = envKey(schema, var);
                text.put(key, v);
                origin.put(key, "environment " + var);
            }
        });
        src.flags().forEach((k, f) -> {
            text.put(k, f.value());
            origin.put(k, f.name());
        });
        src.set().forEach((k, v) -> {
            text.put(k, v);
            origin.put(k, "--set " + k);
        });
        return new Settings(schema, text, origin);
    }

    /** The schema's defaults alone. */
    public static Settings defaults(ConfigSchema schema) {
        return load(schema, ConfigSources.of(Map.of()));
    }

    /** A declared key's variable ({@code CTFLOW_FLOW_REAP_SLACK} → {@code flow.reap-slack}); else CTFLOW_FOO_BAR → foo.bar. */
    private static String envKey(ConfigSchema schema, String var) {
        for (ConfigKey k : schema.keys()) {
            if (ConfigSchema.envName(k.name).equals(var)) {
                return k.name;
            }
        }
        return var.substring(7).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** Properties file, each value remembered with its file and line. */
    private static void readFile(Path file, Map<String, String> text, Map<String, String> origin) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UsageException("config file not found: " + file);
        } catch (IOException e) {
            throw new UsageException("cannot read config file " + file + ": " + e.getMessage());
        }
        StringBuilder logical = new StringBuilder();
        int start = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (logical.isEmpty()) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#") || t.startsWith("!")) {
                    continue;
                }
                start = i + 1;
            }
            logical.append(line).append('\n');
            if (continues(line)) {
                continue;
            }
            Properties p = new Properties();
            try {
                p.load(new StringReader(logical.toString()));
            } catch (IOException | IllegalArgumentException e) {
                throw new UsageException(file + ":" + start + ": cannot read: " + e.getMessage());
            }
            for (String k : p.stringPropertyNames()) {
                text.put(k, p.getProperty(k).trim());
                origin.put(k, file + ":" + start);
            }
            logical.setLength(0);
        }
    }

    private static boolean continues(String line) {
        int n = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
            n++;
        }
        return n % 2 == 1;
    }

    private Object parse(ConfigKey k) {
        String s = text.get(k.name);
        if (s == null || s.isBlank() && k.type != ConfigDef.Type.STRING && k.type != ConfigDef.Type.LIST) {
            if (!k.hasDefault()) {
                throw new UsageException("missing setting " + k.name + " (" + k.documentation + ")");
            }
            return null;
        }
        try {
            Object v = ConfigDef.parseType(k.name, s, k.type);
            if (k.validator != null) {
                k.validator.ensureValid(k.name, v);
            }
            return k.validator instanceof DurationValidator ? Durations.parse((String) v) : v;
        } catch (ConfigException e) {
            throw invalid(k.name, reason(e));
        }
    }

    /** Kafka's "Invalid value X for configuration K: reason" without what we say ourselves. */
    private static String reason(ConfigException e) {
        String m = String.valueOf(e.getMessage());
        int i = m.startsWith("Invalid value ") ? m.indexOf(": ") : -1;
        return i < 0 ? m : m.substring(i + 2);
    }

    /** One line for a bad value: key=value (from where): reason; allowed: what the declaration allows. */
    public UsageException invalid(String key, String reason) {
        ConfigKey k = schema.key(key);
        String allowed = k == null ? "" : ConfigSchema.allowedText(k);
        if (allowed.isEmpty() && k != null) {
            allowed = ConfigSchema.typeName(k).toLowerCase(Locale.ROOT);
        }
        return new UsageException("bad setting " + key + "=" + text.get(key) + " (from " + origin(key) + "): " + reason
                + (allowed.isEmpty() ? "" : "; allowed: " + allowed));
    }

    /** Where the key's value came from: default, FILE:LINE, environment CTFLOW_X, --flag, --set KEY. */
    public String origin(String key) {
        return origin.getOrDefault(key, "default");
    }

    private Object value(String key) {
        if (!parsed.containsKey(key)) {
            throw new IllegalArgumentException("undeclared setting " + key); // a bug: every key read is declared
        }
        return parsed.get(key);
    }

    /** A declared key's text (STRING, or null when unset). */
    public String string(String key) {
        Object v = value(key);
        return v == null ? null : v.toString();
    }

    public int integer(String key) {
        return (Integer) value(key);
    }

    /** An INT key that may be unset. */
    public Integer integerOrNull(String key) {
        return (Integer) value(key);
    }

    public long longValue(String key) {
        return (Long) value(key);
    }

    public boolean bool(String key) {
        return (Boolean) value(key);
    }

    /** A duration key's value, or null when unset. */
    public Duration duration(String key) {
        return (Duration) value(key);
    }

    /** A memory key's bytes, a share of the heap taken of this JVM's max heap. */
    public long memory(String key) {
        return memory(key, Runtime.getRuntime().maxMemory());
    }

    /** A memory key's bytes for a JVM whose max heap is {@code maxHeapBytes}. */
    public long memory(String key, long maxHeapBytes) {
        ConfigDef.ConfigKey k = schema.key(key);
        if (!(k.validator instanceof MemoryValidator m)) {
            throw new IllegalArgumentException(key + " is not a memory setting");
        }
        return m.bytes((String) value(key), maxHeapBytes);
    }

    @SuppressWarnings("unchecked")
    public List<String> list(String key) {
        Object v = value(key);
        return v == null ? List.of() : (List<String>) v;
    }

    /** The settings that go to Kafka clients (everything the app does not own), sorted. */
    public Map<String, Object> kafka() {
        Map<String, Object> out = new TreeMap<>();
        text.forEach((k, v) -> {
            if (!schema.owns(k) && v != null && !(schema.declares(k) && v.isBlank())) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** All values as text, sorted. */
    public Map<String, String> all() {
        return new TreeMap<>(text);
    }

    /** A flag's duration (500ms, 3s, 2m, 1h): one line naming {@code what} when it is not one. */
    public static Duration parseDuration(String what, String s) {
        try {
            return Durations.parse(s);
        } catch (IllegalArgumentException e) {
            throw new UsageException("setting '" + what + "' must be a duration like 500ms, 3s or 2m, got '" + s + "'");
        }
    }
}
