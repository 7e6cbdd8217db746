package io.ctflow.schemas.registry;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Reads values out of a Kafka-style config map, where a value may be a String (from properties
 * files), a typed object (Boolean, Integer, List, Class) or Kafka's {@link Password}.
 */
public final class ConfigValues {
    private ConfigValues() {}

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

    public static boolean bool(Map<String, ?> config, String key, boolean dflt) {
        Object v = config.get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        String s = string(config, key);
        if (s == null) {
            return dflt;
        }
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(key, s, "must be true or false");
        };
    }

    public static long number(Map<String, ?> config, String key, long dflt) {
        Object v = config.get(key);
        if (v instanceof Number n) {
            return n.longValue();
        }
        String s = string(config, key);
        if (s == null) {
            return dflt;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ConfigException(key, s, "must be a whole number");
        }
    }
}
