package io.ctflow.collector.cli;

import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.CollectorException;
import io.ctflow.collector.live.LiveCollector;
import io.ctflow.collector.live.LiveOptions;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.metrics.MetricsServer;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.record.CaptureWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import io.ctflow.collector.CollectorKeys;
import io.ctflow.config.ConfigOptions;
import io.ctflow.config.Settings;
import io.ctflow.process.ShutdownSignal;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ctflow collect}: the live collector of one node, until SIGTERM / Ctrl-C. */
@Command(name = "collect", mixinStandardHelpOptions = true, resourceBundle = "io.ctflow.collector.cli.CollectorHelp",
        description = {"Collect a live node's conntrack events into Kafka.",
                "Publishes conntrack -E events, table snapshots (conntrack -L) at start and after any loss, stats, node facts "
                        + "and Services (kube-proxy's nftables, IPVS or iptables dataplane, detected; --services-from), a heartbeat every second to every partition, and a GAP marker "
                        + "after a loss. Runs until SIGTERM / Ctrl-C. Needs root or CAP_NET_ADMIN and conntrack-tools.",
                "Settings (--help-config lists them): defaults, then --config FILE, then CTFLOW_* variables, then flags, then --set."})
public final class CollectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    NodeOptions nodeOptions;

    @Option(names = "--record", paramLabel = "DIR", description = "Also write the capture format into DIR while collecting.")
    Path record;

    @Option(names = "--services-yaml", paramLabel = "FILE", descriptionKey = CollectorKeys.SERVICES_YAML)
    String servicesYaml;

    @Option(names = "--stats-interval", paramLabel = "DURATION", descriptionKey = CollectorKeys.STATS_INTERVAL)
    String statsInterval;

    @Option(names = "--facts-interval", paramLabel = "DURATION", descriptionKey = CollectorKeys.FACTS_INTERVAL)
    String factsInterval;

    @Option(names = "--heartbeat", paramLabel = "DURATION", descriptionKey = CollectorKeys.HEARTBEAT_INTERVAL)
    String heartbeat;

    @Option(names = "--duration", paramLabel = "DURATION", descriptionKey = CollectorKeys.DURATION)
    String duration;

    @Option(names = "--keep-raw", descriptionKey = CollectorKeys.KEEP_RAW)
    Boolean keepRaw;

    @Option(names = "--only-services", descriptionKey = CollectorKeys.ONLY_SERVICES)
    Boolean onlyServices;

    @Option(names = "--metrics-port", paramLabel = "PORT", descriptionKey = CollectorKeys.METRICS_PORT)
    String metricsPort;

    @Option(names = "--metrics-host", paramLabel = "ADDRESS", descriptionKey = CollectorKeys.METRICS_HOST)
    String metricsHost;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    ConfigOptions configOptions;

    @Override
    public Integer call() throws Exception {
        if (configOptions.printedHelp(CollectorKeys.SCHEMA, spec.commandLine().getOut())) {
            return 0;
        }
        return CliSupport.run("collect", spec.commandLine().getErr(), this::collect);
    }

    /** Defaults → --config → CTFLOW_* → flags → --set, checked against {@link CollectorKeys#SCHEMA}. */
    Settings settings(Map<String, String> env) {
        return Settings.load(CollectorKeys.SCHEMA, configOptions.sources(spec, CollectorKeys.SCHEMA, env));
    }

    private int collect() throws Exception {
        Settings settings = settings(System.getenv());
        LiveOptions options;
        try {
            options = nodeOptions.apply(LiveOptions.from(settings));
        } catch (IllegalArgumentException e) {
            throw CollectorException.user(e.getMessage());
        }
        if (options.servicesYaml() != null && !Files.isRegularFile(options.servicesYaml())) {
            throw CollectorException.user("services YAML not found: " + options.servicesYaml());
        }
        int metricsPort = settings.integer(CollectorKeys.METRICS_PORT);
        String metricsHost = settings.string(CollectorKeys.METRICS_HOST);
        CollectorConfig config = CollectorConfig.from(settings);
        CollectorMetrics metrics = new CollectorMetrics();
        // local problems first: they are quicker to report than an unreachable Kafka
        new LiveCollector(options, io.ctflow.collector.publish.Sink.DISCARD, null, metrics).checkEnvironment();
        ShutdownSignal signal = null; // closed once the resources are: the JVM's exit waits for their flush
        try (Publisher publisher = config.connect(metrics);
             CaptureWriter recorder = record == null ? null : new CaptureWriter(record, options.node());
             MetricsServer server = metricsPort == 0 ? null : MetricsServer.start(metricsHost, metricsPort, metrics.registry())) {
            LiveCollector collector = new LiveCollector(options, publisher, recorder, metrics);
            signal = ShutdownSignal.install("ctflow-collect-shutdown", Duration.ofSeconds(20), collector::stop);
            spec.commandLine().getErr().println("ctflow collect: node " + options.node()
                    + (options.netns() == null ? "" : " (netns " + options.netns() + ")") + " -> " + config.bootstrapServers()
                    + (server == null ? "" : ", metrics on :" + server.port() + "/metrics") + "; Ctrl-C to stop");
            spec.commandLine().getErr().flush();
            LiveCollector.Summary s = collector.run();
            spec.commandLine().getErr().println("ctflow collect: stopped: " + s.eventsRead() + " events, " + s.snapshotEvents()
                    + " snapshot entries, " + s.deadLetters() + " dead letters, " + s.lostEvents() + " losses, "
                    + s.restarts() + " conntrack restarts, " + publisher.sendErrors() + " send errors"
                    + (options.onlyServices() ? ", " + s.droppedNotService() + " not sent (no Service touched them)" : ""));
            spec.commandLine().getErr().flush();
            return 0;
        } finally {
            if (signal != null) {
                signal.close();
            }
        }
    }
}
