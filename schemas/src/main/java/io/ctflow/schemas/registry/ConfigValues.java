package io.ctflow.schemas.registry;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;

/**
 * Reads a Kafka-style config map, where a value may be a String (from properties files), a typed
 * object (Boolean, Integer, List, Class) or Kafka's {@link Password}, against a {@link ConfigDef}: the
 * serde's and the registry client's keys are declared there once, with type, default and validator.
 */
public final class ConfigValues {
    private ConfigValues() {}

    /**
     * Every declared key, typed, validated and defaulted (blank counts as absent); undeclared keys are
     * ignored (a serde's map holds every client property).
     *
     * @throws org.apache.kafka.common.config.ConfigException naming the key and value
     */
    public static Map<String, Object> parse(ConfigDef def, Map<String, ?> config) {
        Map<String, Object> out = new HashMap<>();
        for (ConfigKey k : def.configKeys().values()) {
            Object v = config.get(k.name);
            if (v instanceof Password p && k.type != Type.PASSWORD) {
                v = p.value();
            } else if (v instanceof Class<?> c && k.type == Type.STRING) {
                v = c.getName();
            }
            if (v instanceof String s && s.isBlank()) {
                v = null;
            }
            if (v == null) {
                out.put(k.name, k.hasDefault() ? k.defaultValue : null);
                continue;
            }
            Object parsed = ConfigDef.parseType(k.name, v, k.type);
            if (k.validator != null) {
                k.validator.ensureValid(k.name, parsed);
            }
            out.put(k.name, parsed);
        }
        return out;
    }

    /** The value as text, or null when absent or blank. Kafka's Password is unwrapped (its toString hides it). */
    public static String string(Map<String, ?> config, String key) {
        Object v = config.get(key);
        if (v == null) {
            return null;
        }
        String s;
        if (v instanceof Password p) {
            s = p.value();
        } else if (v instanceof Class<?> c) {
            s = c.getName();
        } else if (v instanceof List<?> l) {
            s = String.join(",", l.stream().map(String::valueOf).toList());
        } else {
            s = v.toString();
        }
        s = s.trim();
        return s.isEmpty() ? null : s;
    }
}
