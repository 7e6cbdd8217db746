package io.ctflow.cli.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.cli.Ctflow;
import io.ctflow.cli.score.Score;
import io.ctflow.cli.score.ScoreFiles;
import io.ctflow.cli.score.Scorer;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The quality goal without loss, end to end as a user runs it: {@code ctflow simulate} a small
 * seeded fleet, {@code ctflow demo --capture} it, {@code ctflow score} the results against the
 * truth with the strict goals (precision = recall = 1, no duplicate, exact Service counts).
 * Realistic kernel timing is in every fleet: TIME_WAIT 120 s, DESTROYs reaped up to 60 s late,
 * cross-node connections, reused ports; the skewed fleet's node clocks differ by up to the grace.
 */
class SeededFleetsScoreIT {
    @ParameterizedTest(name = "seed {0}, {1} nodes, {2} Services, skew {3}")
    @CsvSource({"21, 5, 10, 0s", "22, 4, 16, 500ms"})
    void aSeededFleetScoresPerfectly(long seed, int nodes, int services, String skew, @TempDir Path tmp) throws Exception {
        Path capture = tmp.resolve("capture");
        assertEquals(0, Ctflow.run("simulate", "--nodes", Integer.toString(nodes), "--services", Integer.toString(services),
                "--rate", "150", "--duration", "60s", "--anomalies", "0.05", "--skew", skew, "--seed", Long.toString(seed),
                "--out", capture.toString()));
        Path results = tmp.resolve("results.jsonl");
        assertEquals(0, Ctflow.run("demo", "--capture", capture.toString(), "--once", "--kafka-port", "0", "--registry-port", "0",
                "--http-port", "0", "--json-out", results.toString(), "--timeout", "300s"));
        Score score = Scorer.score(ScoreFiles.truth(capture.resolve("truth.json")), ScoreFiles.results(results));
        assertTrue(score.overall().truth() > 0, "the fleet has anomalies to find");
        assertEquals(0, Ctflow.run("score", "--truth", capture.resolve("truth.json").toString(), "--results", results.toString()),
                "every goal holds: " + score);
    }
}
