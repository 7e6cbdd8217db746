package io.ctflow.cli.score;

import io.ctflow.config.UsageException;
import java.util.List;

/**
 * What a run must reach: overall precision and recall at least, duplicates and the relative error
 * of the new-connection counts at most.
 */
public record Goals(double minPrecision, double minRecall, long maxDuplicates, double maxCountError) {
    /** Everything right: precision and recall 1, no duplicate, counts exact. */
    public static final Goals STRICT = new Goals(1.0, 1.0, 0, 0.0);

    public Goals {
        if (!(minPrecision >= 0 && minPrecision <= 1) || !(minRecall >= 0 && minRecall <= 1)) {
            throw new UsageException("--min-precision and --min-recall must be between 0 and 1");
        }
        if (maxDuplicates < 0) {
            throw new UsageException("--max-duplicates must not be negative");
        }
        if (!(maxCountError >= 0) || Double.isInfinite(maxCountError)) {
            throw new UsageException("--max-count-error must be a number >= 0");
        }
    }

    /** One goal and whether the score reaches it. */
    public record Check(String name, String op, double limit, double actual, boolean ok) {}

    public List<Check> check(Score s) {
        double duplicates = s.duplicates();
        return List.of(
                new Check("precision", ">=", minPrecision, s.overall().precision(), s.overall().precision() >= minPrecision),
                new Check("recall", ">=", minRecall, s.overall().recall(), s.overall().recall() >= minRecall),
                new Check("duplicates", "<=", maxDuplicates, duplicates, s.duplicates() <= maxDuplicates),
                new Check("count error", "<=", maxCountError, s.newFlows().relativeError(),
                        s.newFlows().relativeError() <= maxCountError));
    }

    public static boolean allOk(List<Check> checks) {
        return checks.stream().allMatch(Check::ok);
    }
}
