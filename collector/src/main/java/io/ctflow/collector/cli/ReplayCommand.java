package io.ctflow.collector.cli;

import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.CollectorException;
import io.ctflow.collector.CollectorKeys;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.metrics.MetricsServer;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.replay.ConsoleProgress;
import io.ctflow.collector.replay.Replayer;
import io.ctflow.collector.replay.Speed;
import io.ctflow.config.ConfigOptions;
import io.ctflow.config.Settings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ctflow replay DIR}: publishes a capture as its nodes' live collectors would have. */
@Command(name = "replay", mixinStandardHelpOptions = true, resourceBundle = "io.ctflow.collector.cli.CollectorHelp",
        description = {"Publish a capture directory to Kafka as its nodes' live collectors would have.",
                "Facts and Services first, then stats, then every event in time order with the kernel's timestamps as "
                        + "event time; dead letters for lines that do not parse; heartbeats every second of capture time to "
                        + "every partition, and a closing heartbeat at last event + --settle so the streams app completes "
                        + "its windows."})
public final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "Capture directory (events-NODE.txt, facts-NODE.txt, nat-NODE.txt, ...).")
    Path dir;

    @Option(names = "--speed", paramLabel = "max|1x|Nx", converter = Converters.SpeedConverter.class, defaultValue = "max",
            description = "max: as fast as possible (default); 1x: real time by the event timestamps; Nx: N times faster.")
    Speed speed;

    @Option(names = "--settle", paramLabel = "DURATION", descriptionKey = CollectorKeys.REPLAY_SETTLE)
    String settle;

    @Option(names = "--heartbeat", paramLabel = "DURATION", descriptionKey = CollectorKeys.HEARTBEAT_INTERVAL)
    String heartbeat;

    @Option(names = "--keep-raw", descriptionKey = CollectorKeys.KEEP_RAW)
    Boolean keepRaw;

    @Option(names = "--only-services", descriptionKey = CollectorKeys.ONLY_SERVICES)
    Boolean onlyServices;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0",
            description = "Serve Prometheus metrics on this port at /metrics (default 0 = off).")
    int metricsPort;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    ConfigOptions configOptions;

    @Override
    public Integer call() throws Exception {
        if (configOptions.printedHelp(CollectorKeys.SCHEMA, spec.commandLine().getOut())) {
            return 0;
        }
        return CliSupport.run("replay", spec.commandLine().getErr(), this::replay);
    }

    private int replay() throws Exception {
        Settings settings = Settings.load(CollectorKeys.SCHEMA, configOptions.sources(spec, CollectorKeys.SCHEMA, System.getenv()));
        CollectorConfig config = CollectorConfig.from(settings);
        Capture capture = Capture.open(dir);
        // A malformed facts, NAT or stats file is one clear line before anything connects.
        capture.facts();
        capture.services();
        capture.stats();
        CollectorMetrics metrics = new CollectorMetrics();
        MetricsServer server = metricsPort > 0 ? MetricsServer.start("0.0.0.0", metricsPort, metrics.registry()) : null;
        try (Publisher publisher = config.connect(metrics)) {
            Replayer.Options options = Replayer.Options.defaults().withSpeed(speed).withSettle(settings.duration(CollectorKeys.REPLAY_SETTLE))
                    .withHeartbeat(settings.duration(CollectorKeys.HEARTBEAT_INTERVAL)).withKeepRaw(settings.bool(CollectorKeys.KEEP_RAW)).withProgress(ConsoleProgress.stderr()).withMetrics(metrics)
                    .withOnlyServices(settings.bool(CollectorKeys.ONLY_SERVICES));
            Replayer.Result r = Replayer.replay(capture, publisher, options);
            publisher.flush();
            spec.commandLine().getOut().println("ctflow replay: " + dir + " (" + String.join(", ", capture.nodes()) + "): " + r.summary());
            spec.commandLine().getOut().flush();
            if (publisher.sendErrors() > 0) {
                throw CollectorException.environment(publisher.sendErrors() + " records were not accepted by Kafka (see the log above)");
            }
            return 0;
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }
}
