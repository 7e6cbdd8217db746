package io.ctflow.config;

import java.util.Locale;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** Byte sizes of settings and flags: 8388608, 64k, 8M, 8MiB, 1G. */
public final class Sizes {
    private Sizes() {}

    /** A size setting's check (a STRING key); null passes. */
    public static final ConfigDef.Validator VALIDATOR = ConfigDef.LambdaValidator.with((name, value) -> {
        if (value != null) {
            try {
                parse(value.toString());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, "not a size");
            }
        }
    }, () -> "a size like 8388608, 64k, 8M or 1G");

    /** @throws IllegalArgumentException when {@code value} is not a size */
    public static long parse(String value) {
        String t = value.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ib")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("b")) {
            t = t.substring(0, t.length() - 1);
        }
        long mult = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'k': mult = 1L << 10; break;
                case 'm': mult = 1L << 20; break;
                case 'g': mult = 1L << 30; break;
                default: break;
            }
        }
        if (mult != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t.trim());
            if (n < 0 || n > Long.MAX_VALUE / mult) {
                throw new NumberFormatException();
            }
            return n * mult;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a size like 8388608, 64k or 8M, got '" + value + "'");
        }
    }
}
