package io.ctflow.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * A memory setting's check: a size ({@link Sizes}: 67108864, 64M, 1G) of at least a minimum, or a
 * share of the JVM's maximum heap ({@code 25%}, more than 0 and at most 90), so a heap budget can
 * follow {@code -Xmx} / {@code MaxRAMPercentage} instead of being one number for every machine.
 * Null (unset) passes.
 */
public final class MemoryValidator implements ConfigDef.Validator {
    static final double MAX_HEAP_PERCENT = 90;
    private final long minBytes;

    private MemoryValidator(long minBytes) {
        this.minBytes = minBytes;
    }

    public static MemoryValidator atLeast(long minBytes) {
        return new MemoryValidator(minBytes);
    }

    @Override
    public void ensureValid(String name, Object value) {
        if (value == null) {
            return;
        }
        String s = value.toString().trim();
        if (s.endsWith("%")) {
            double p = percent(s);
            if (!(p > 0 && p <= MAX_HEAP_PERCENT)) {
                throw new ConfigException(name, value, "not a share of the heap above 0% and at most " + (int) MAX_HEAP_PERCENT + "%");
            }
            return;
        }
        long n;
        try {
            n = Sizes.parse(s);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, value, "not a size or a share of the heap");
        }
        if (n < minBytes) {
            throw new ConfigException(name, value, "less than " + minBytes + " bytes");
        }
    }

    /**
     * The bytes a valid value stands for, given the JVM's maximum heap: a share of the heap is
     * rounded down and raised to the minimum (a small heap still gets a working budget).
     */
    public long bytes(String value, long maxHeapBytes) {
        String s = value.trim();
        if (s.endsWith("%")) {
            return Math.max(minBytes, (long) (maxHeapBytes * percent(s) / 100));
        }
        return Sizes.parse(s);
    }

    private static double percent(String s) {
        try {
            return Double.parseDouble(s.substring(0, s.length() - 1).trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    @Override
    public String toString() {
        return "a size like 67108864, 64M or 1G, at least " + minBytes + ", or a share of the JVM's max heap like 25% (at most " + (int) MAX_HEAP_PERCENT + "%)";
    }
}
