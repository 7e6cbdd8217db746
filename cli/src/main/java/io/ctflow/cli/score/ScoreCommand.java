package io.ctflow.cli.score;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ctflow score}: what the app found against a simulation's truth, with goals and an exit code. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score the app's results against a simulation's truth.",
                "Matches INCOMPLETE_NAT anomalies on (node, protocol, client, Service address, backend) and node anomalies "
                        + "on (node, type); the raises are the OPEN records. A match is a true positive when the cause is the same, "
                        + "a wrong cause otherwise; raising a key more often than the truth has it counts as duplicates (not in "
                        + "precision). EVENT_LOSS is expected, and not scored, when the truth lost events. New connections per "
                        + "Service are summed over all windows; the count error is sum |results - truth| / sum truth.",
                "Exit code 0 when every goal holds, 1 when one fails, 2 for a usage error."})
public final class ScoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--truth", paramLabel = "FILE", required = true, description = "Truth JSON written by ctflow simulate.")
    Path truth;

    @Option(names = "--results", paramLabel = "FILE", required = true, description = "JSON lines written by ctflow demo --json-out.")
    Path results;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Option(names = "--min-precision", paramLabel = "P", defaultValue = "1.0", description = "Goal: overall precision at least P (default ${DEFAULT-VALUE}).")
    double minPrecision;

    @Option(names = "--min-recall", paramLabel = "R", defaultValue = "1.0", description = "Goal: overall recall at least R (default ${DEFAULT-VALUE}).")
    double minRecall;

    @Option(names = "--max-duplicates", paramLabel = "N", defaultValue = "0", description = "Goal: at most N duplicate raises (default ${DEFAULT-VALUE}).")
    long maxDuplicates;

    @Option(names = "--max-count-error", paramLabel = "E", defaultValue = "0",
            description = "Goal: relative error of the new-connection counts at most E, e.g. 0.01 (default ${DEFAULT-VALUE}).")
    double maxCountError;

    @Override
    public Integer call() {
        Goals goals = new Goals(minPrecision, minRecall, maxDuplicates, maxCountError);
        Score score = Scorer.score(ScoreFiles.truth(truth), ScoreFiles.results(results));
        List<Goals.Check> checks = goals.check(score);
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? ScoreReport.json(score, checks).toString() + System.lineSeparator() : ScoreReport.table(score, checks));
        out.flush();
        return Goals.allOk(checks) ? 0 : 1;
    }
}
