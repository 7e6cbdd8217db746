package io.ctflow.collector.cli;

import io.ctflow.collector.CollectorException;
import io.ctflow.collector.CollectorKeys;
import io.ctflow.collector.live.LiveCollector;
import io.ctflow.collector.live.LiveOptions;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Sink;
import io.ctflow.collector.record.CaptureWriter;
import io.ctflow.config.ConfigOptions;
import io.ctflow.config.Settings;
import io.ctflow.process.ShutdownSignal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ctflow record}: writes a capture of a live node, without Kafka. */
@Command(name = "record", mixinStandardHelpOptions = true, resourceBundle = "io.ctflow.collector.cli.CollectorHelp",
        description = {"Record a live node into a capture directory (no Kafka).",
                "Writes events-NODE.txt (conntrack -E -o timestamp,id,extended, and a line '[SECONDS.MICROS] lost events (REASON)' "
                        + "where conntrack reported ENOBUFS or ended), facts-NODE.txt, nat-NODE.txt "
                        + "(iptables-save -t nat), stats-before/after-NODE.txt (conntrack -S), count-before/after-NODE.txt "
                        + "(conntrack -C) and, with --proc, proc-NODE.txt. "
                        + "Stops after --duration or on Ctrl-C."})
public final class RecordCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Capture directory to write (created).")
    Path out;

    @Mixin
    NodeOptions nodeOptions;

    @Option(names = "--duration", paramLabel = "DURATION", descriptionKey = CollectorKeys.DURATION)
    String duration;

    @Option(names = "--facts-interval", paramLabel = "DURATION", descriptionKey = CollectorKeys.FACTS_INTERVAL)
    String factsInterval;

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--proc", description = "Also save /proc/net/nf_conntrack once (half-way through --duration, else at the end).")
    boolean proc;

    @Override
    public Integer call() throws Exception {
        if (configOptions.printedHelp(CollectorKeys.SCHEMA, spec.commandLine().getOut())) {
            return 0;
        }
        return CliSupport.run("record", spec.commandLine().getErr(), this::record);
    }

    private int record() throws Exception {
        Settings settings = Settings.load(CollectorKeys.SCHEMA, configOptions.sources(spec, CollectorKeys.SCHEMA, System.getenv()));
        LiveOptions options;
        try {
            // a recording has no snapshots and reads stats only before and after
            options = nodeOptions.apply(LiveOptions.from(settings)).snapshots(false)
                    .recordProc(proc).statsInterval(Duration.ofHours(24)).heartbeat(Duration.ofSeconds(1));
        } catch (IllegalArgumentException e) {
            throw CollectorException.user(e.getMessage());
        }
        new LiveCollector(options, Sink.DISCARD, null, new CollectorMetrics()).checkEnvironment();
        ShutdownSignal signal = null; // closed once the resources are: the JVM's exit waits for their flush
        try (CaptureWriter writer = new CaptureWriter(out, options.node())) {
            LiveCollector collector = new LiveCollector(options, Sink.DISCARD, writer, new CollectorMetrics());
            signal = ShutdownSignal.install("ctflow-record-shutdown", Duration.ofSeconds(20), collector::stop);
            spec.commandLine().getErr().println("ctflow record: node " + options.node()
                    + (options.netns() == null ? "" : " (netns " + options.netns() + ")") + " into " + out
                    + (options.duration() == null ? "; Ctrl-C to stop" : " for " + options.duration().toSeconds() + " s"));
            spec.commandLine().getErr().flush();
            LiveCollector.Summary s = collector.run();
            writer.flush();
            spec.commandLine().getOut().println("ctflow record: " + out + ": " + writer.eventLines() + " event lines ("
                    + s.deadLetters() + " unparsable, " + s.lostEvents() + " losses) for node " + options.node());
            spec.commandLine().getOut().flush();
            return 0;
        } finally {
            if (signal != null) {
                signal.close();
            }
        }
    }
}
