package io.ctflow.cli.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The history rows: whether the app slows down as history builds up. Each run's figure is the
 * least-squares line through every window's rate ({@link Trend}), read where the first window and
 * the last one start. One run's line moves by more than the goal's margin from the next run on
 * these shared cores: the same warm code gave 0.87 and 1.39 per CPU second in two full runs
 * (BENCHMARKS.md, twenty-sixth round), its swings lasting minutes. So the rows take the run whose
 * line has the median ratio of several, and list every run's ratio.
 */
final class HistoryRows {
    static final String HISTORY_FIGURE = "streams app, production workload: events/s after the history vs at the start";
    static final String HISTORY_CPU_FIGURE = "streams app, production workload: events per CPU second of the stream thread after the history vs at the start";

    private HistoryRows() {}

    /** One run's two lines: its windows' wall rates and the stream thread's events per CPU second. */
    record Lines(int run, HistoryRun.Result result, Trend wall, Trend cpu) {
        static Lines of(int run, HistoryRun.Result r) {
            // The wall rate carries whatever else shares the two cores: with the embedded broker's 8 MiB offset
            // map, the log cleaner took a third of them from the second window on (BENCHMARKS.md, twenty-fifth
            // round). The app's own cost per event is what history could make grow.
            return new Lines(run, r, Trend.of(r.series(), StreamsRound.Window::rate), Trend.of(r.series(), StreamsRound.Window::perStreamCpuSecond));
        }

        /** Where the last window starts, in windows from the first (the series' windows are one apart). */
        double endAt() {
            return (result.endFrom() - result.startFrom()) / (double) result.window();
        }

        double wallRatio() {
            return wall.at(endAt()) / wall.at(0);
        }

        double cpuRatio() {
            return cpu.at(endAt()) / cpu.at(0);
        }
    }

    /**
     * The run whose {@code ratio} is the median; of an even count the lower of the two middle ones
     * (the row errs toward decay). Runs without a number sort last.
     */
    static Lines median(List<Lines> runs, ToDoubleFunction<Lines> ratio) {
        List<Lines> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(ratio)); // Double.compare puts NaN after every number
        long numbers = runs.stream().filter(l -> !Double.isNaN(ratio.applyAsDouble(l))).count();
        return sorted.get((int) Math.max(0, (numbers - 1) / 2));
    }

    /**
     * The wall row and, where the JVM measures thread CPU time, the per-CPU row: each shows its median
     * run's line (value at the last window, baseline at the first) and lists every run's ratio.
     */
    static void report(Report report, Progress progress, List<HistoryRun.Result> results, long openFlows, String workloadAndApp, String warm) {
        List<Lines> runs = new ArrayList<>();
        for (int k = 0; k < results.size(); k++) {
            Lines l = Lines.of(k + 1, results.get(k));
            runs.add(l);
            HistoryRun.Result r = l.result();
            progress.say("history: run %d: %,.0f events/s at the start, %,.0f after %,d events (%.2f; the line through every window; single windows %,.0f and %,.0f); %s",
                    l.run(), l.wall().at(0), l.wall().at(l.endAt()), r.endFrom(), l.wallRatio(), r.startRate(), r.endRate(), cpuOfWindows(l));
            progress.say("history: run %d: %s", l.run(), seriesOf(r));
        }
        Lines wall = median(runs, Lines::wallRatio);
        HistoryRun.Result r = wall.result();
        report.add(new Figure(HISTORY_FIGURE, wall.wall().at(wall.endAt()), wall.wall().at(0), "/s", "ratio >= 0.9 (no decay)",
                String.format(Locale.ROOT, "%s; shown: run %d, the least-squares line through the rate of every window, read at events %,d-%,d (the first %,d once %,d "
                                + "flows are open and the first finished ones expire) and at events %,d-%,d (the last %,d at the peak, after %,d events: fired timers, "
                                + "deleted flows, compaction); those two single windows: %,.0f and %,.0f events/s; %s; %s; whole run %,.0f events/s; %s",
                        ofRuns(runs, Lines::wallRatio), wall.run(), r.startFrom(), r.startFrom() + r.window(), r.window(), openFlows, r.endFrom(), r.endFrom() + r.window(),
                        r.window(), r.endFrom(), r.startRate(), r.endRate(), cpuOfWindows(wall), seriesOf(r), r.rate(), workloadAndApp) + warm));
        Lines cpu = median(runs, Lines::cpuRatio);
        if (!Double.isNaN(cpu.cpuRatio())) {
            report.add(new Figure(HISTORY_CPU_FIGURE, cpu.cpu().at(cpu.endAt()), cpu.cpu().at(0), "/CPU s", "ratio >= 0.9 (no decay)",
                    String.format(Locale.ROOT, "%s; shown: run %d, the same windows and line as the row above; CPU time of the stream thread (ThreadMXBean), "
                            + "whatever else ran on the cores; %s", ofRuns(runs, Lines::cpuRatio), cpu.run(), seriesOf(cpu.result()))));
        }
    }

    /** Every run's ratio, in run order. */
    static String ofRuns(List<Lines> runs, ToDoubleFunction<Lines> ratio) {
        return String.format(Locale.ROOT, "the run with the median ratio of %d (each a fresh app instance from offset 0 over the same loaded input): %s",
                runs.size(), runs.stream().map(l -> String.format(Locale.ROOT, "%.2f", ratio.applyAsDouble(l))).collect(Collectors.joining(", ")));
    }

    /**
     * What the wall rates of the history windows leave out: the stream thread's events per CPU second
     * (the app's own cost per event; the line through every window, and the two single windows) and
     * the cores the broker's log cleaner took from the same two.
     */
    static String cpuOfWindows(Lines l) {
        HistoryRun.Result r = l.result();
        if (r.start() == null || r.end() == null || Double.isNaN(l.cpu().at(0))) {
            return "CPU of the windows not known";
        }
        return String.format(Locale.ROOT, "events per CPU second of the stream thread %,.0f at the start, %,.0f at the end (%.2f; single windows %,.0f and %,.0f); "
                        + "the broker's log cleaner took %.2f and %.2f cores (same JVM)",
                l.cpu().at(0), l.cpu().at(l.endAt()), l.cpuRatio(), r.start().perStreamCpuSecond(), r.end().perStreamCpuSecond(),
                r.start().cleanerCores(), r.end().cleanerCores());
    }

    /**
     * Every window from the first on: its rate and the stream thread's events per CPU second (both
     * in thousands), and the cores the process took and who took them beside the stream thread.
     */
    static String seriesOf(HistoryRun.Result r) {
        StringBuilder b = new StringBuilder();
        for (StreamsRound.Window x : r.series()) {
            b.append(b.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT,
                    "%dk (%sk per CPU s; cores: all %.2f, log cleaner %.2f, GC %.2f, RocksDB %.2f, JIT %.2f)",
                    Math.round(x.rate() / 1000),
                    Double.isNaN(x.perStreamCpuSecond()) ? "?" : String.valueOf(Math.round(x.perStreamCpuSecond() / 1000)),
                    x.processCores(), x.cleanerCores(), x.cores(NativeThreadCpu.Kind.GC), x.cores(NativeThreadCpu.Kind.ROCKSDB),
                    x.cores(NativeThreadCpu.Kind.JIT)));
        }
        return String.format(Locale.ROOT, "every %,d-event window from the first: %s", r.window(), b);
    }
}
