package io.ctflow.config;

import java.time.Duration;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** A duration setting's check: parsable by {@link Durations#parse} and at least a minimum; null (unset) passes. */
public final class DurationValidator implements ConfigDef.Validator {
    private final Duration min;

    private DurationValidator(Duration min) {
        this.min = min;
    }

    public static DurationValidator atLeast(Duration min) {
        return new DurationValidator(min);
    }

    @Override
    public void ensureValid(String name, Object value) {
        if (value == null) {
            return;
        }
        Duration d;
        try {
            d = value instanceof Duration v ? v : Durations.parse(value.toString());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, value, "not a duration");
        }
        if (d.compareTo(min) < 0) {
            throw new ConfigException(name, value, min.isZero() ? "must not be negative" : "too short");
        }
    }

    @Override
    public String toString() {
        return "a duration like 500ms, 3s, 2m, 1h" + (min.isZero() ? ", not negative" : ", at least " + Durations.format(min));
    }
}
