package io.ctflow.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Layered configuration: defaults in code, then a properties file, then {@code CTFLOW_*} environment
 * variables ({@code CTFLOW_REPLY_TIMEOUT_TCP=5s} sets {@code reply.timeout.tcp}), then flags. Keys
 * the app does not own pass through untouched to the Kafka clients, so TLS/SASL
 * ({@code security.protocol}, {@code ssl.*}, {@code sasl.*}) and registry settings
 * ({@code schema.registry.url}, {@code basic.auth.*}) work by configuration alone.
 */
public final class Settings {
    private final Map<String, String> values;
    private final Set<String> ownKeys;

    private Settings(Map<String, String> values, Set<String> ownKeys) {
        this.values = values;
        this.ownKeys = ownKeys;
    }

    /**
     * @param defaults the app's defaults (its own keys and Kafka defaults)
     * @param ownKeys  keys the app interprets itself; all others go to Kafka
     * @param file     optional properties file
     * @param env      the environment (System.getenv())
     * @param flags    values given on the command line (win over all else)
     */
    public static Settings load(Map<String, String> defaults, Set<String> ownKeys, Path file,
                                Map<String, String> env, Map<String, String> flags) {
        Map<String, String> v = new LinkedHashMap<>(defaults);
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (NoSuchFileException e) {
                throw new ConfigException("config file not found: " + file);
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
            }
            p.stringPropertyNames().forEach(k -> v.put(k, p.getProperty(k).trim()));
        }
        env.forEach((k, val) -> {
            if (k.startsWith("CTFLOW_") && k.length() > 7) {
                v.put(k.substring(7).toLowerCase(Locale.ROOT).replace('_', '.'), val);
            }
        });
        flags.forEach((k, val) -> {
            if (val != null) {
                v.put(k, val);
            }
        });
        return new Settings(v, ownKeys);
    }

    public String get(String key) {
        String s = values.get(key);
        if (s == null) {
            throw new ConfigException("missing setting '" + key + "'");
        }
        return s;
    }

    public String getOrNull(String key) {
        return values.get(key);
    }

    public int getInt(String key) {
        String s = get(key);
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("setting '" + key + "' must be a whole number, got '" + s + "'");
        }
    }

    public boolean getBoolean(String key) {
        String s = get(key).trim().toLowerCase(Locale.ROOT);
        if (!s.equals("true") && !s.equals("false")) {
            throw new ConfigException("setting '" + key + "' must be true or false, got '" + s + "'");
        }
        return s.equals("true");
    }

    public Duration getDuration(String key) {
        return parseDuration(key, get(key));
    }

    /** Reads 500ms, 3s, 2m, 1h, or a bare number of milliseconds. */
    public static Duration parseDuration(String key, String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1).trim()));
            }
            if (t.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1).trim()));
            }
            return Duration.ofMillis(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new ConfigException("setting '" + key + "' must be a duration like 500ms, 3s or 2m, got '" + s + "'");
        }
    }

    /** The settings that go to Kafka clients (everything the app does not own), sorted. */
    public Map<String, Object> kafka() {
        Map<String, Object> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (!ownKeys.contains(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** All values, sorted (for --print-config style output). */
    public Map<String, String> all() {
        return new TreeMap<>(values);
    }

    /** A user mistake in configuration: reported as one line, never a stack trace. */
    public static final class ConfigException extends UsageException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
