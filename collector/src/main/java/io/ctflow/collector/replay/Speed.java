package io.ctflow.collector.replay;

import io.ctflow.config.UsageException;
import java.util.Locale;

/** Replay pace: {@code max} (as fast as possible) or a factor of real time ({@code 1x}, {@code 10x}, {@code 0.5x}). */
public record Speed(double factor) {
    public static final Speed MAX = new Speed(0);
    public static final Speed REAL_TIME = new Speed(1);

    public Speed {
        if (factor < 0 || Double.isNaN(factor) || Double.isInfinite(factor)) {
            throw new UsageException("speed factor must be positive, got " + factor);
        }
    }

    /** Parses {@code max}, {@code 1x}, {@code 2.5x} (the {@code x} is optional). */
    public static Speed parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("max")) {
            return MAX;
        }
        String n = t.endsWith("x") ? t.substring(0, t.length() - 1) : t;
        try {
            double f = Double.parseDouble(n);
            if (f > 0 && !Double.isInfinite(f)) {
                return new Speed(f);
            }
        } catch (NumberFormatException e) {
            // falls through to the message
        }
        throw new UsageException("speed must be max, 1x or Nx (N > 0), got '" + text + "'");
    }

    public boolean isMax() {
        return factor == 0;
    }

    @Override
    public String toString() {
        if (isMax()) {
            return "max";
        }
        return (factor == Math.rint(factor) ? Long.toString((long) factor) : Double.toString(factor)) + "x";
    }
}
