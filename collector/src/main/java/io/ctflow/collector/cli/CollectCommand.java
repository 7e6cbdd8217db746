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
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ctflow collect}: the live collector of one node, until SIGTERM / Ctrl-C. */
@Command(name = "collect", mixinStandardHelpOptions = true,
        description = {"Collect a live node's conntrack events into Kafka.",
                "Publishes conntrack -E events, table snapshots (conntrack -L) at start and after any loss, stats, node facts "
                        + "and Services (kube-proxy's nftables, IPVS or iptables dataplane, detected; --services-from), a heartbeat every second to every partition, and a GAP marker "
                        + "after a loss. Runs until SIGTERM / Ctrl-C. Needs root or CAP_NET_ADMIN and conntrack-tools."})
public final class CollectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    NodeOptions nodeOptions;

    @Option(names = "--record", paramLabel = "DIR", description = "Also write the capture format into DIR while collecting.")
    Path record;

    @Option(names = "--services-yaml", paramLabel = "FILE", description = "Services for hosts without kube-proxy: YAML 'services:' entries with vip, port, protocol, endpoints.")
    Path servicesYaml;

    @Option(names = "--stats-interval", paramLabel = "DURATION", converter = Converters.DurationConverter.class, defaultValue = "10s",
            description = "Stats period (default ${DEFAULT-VALUE}).")
    Duration statsInterval;

    @Option(names = "--facts-interval", paramLabel = "DURATION", converter = Converters.DurationConverter.class, defaultValue = "30s",
            description = "Node facts and Services period; sent only when changed (default ${DEFAULT-VALUE}).")
    Duration factsInterval;

    @Option(names = "--heartbeat", paramLabel = "DURATION", converter = Converters.DurationConverter.class, defaultValue = "1s",
            description = "Heartbeat period (default ${DEFAULT-VALUE}).")
    Duration heartbeat;

    @Option(names = "--duration", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Stop by itself after this long (default: run until stopped).")
    Duration duration;

    @Option(names = "--keep-raw", description = "Put each raw line in the event's raw field.")
    boolean keepRaw;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9464",
            description = "Prometheus metrics at http://HOST:PORT/metrics (default ${DEFAULT-VALUE}; 0 = off).")
    int metricsPort;

    @Option(names = "--metrics-host", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
            description = "Address the metrics server binds (default ${DEFAULT-VALUE}).")
    String metricsHost;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        return CliSupport.run("collect", spec.commandLine().getErr(), this::collect);
    }

    private int collect() throws Exception {
        if (servicesYaml != null && !Files.isRegularFile(servicesYaml)) {
            throw CollectorException.user("services YAML not found: " + servicesYaml);
        }
        if (metricsPort < 0 || metricsPort > 65535) {
            throw CollectorException.user("--metrics-port must be 0-65535");
        }
        LiveOptions options;
        try {
            options = nodeOptions.apply(new LiveOptions()).servicesYaml(servicesYaml).statsInterval(statsInterval)
                    .factsInterval(factsInterval).heartbeat(heartbeat).keepRaw(keepRaw).duration(duration);
        } catch (IllegalArgumentException e) {
            throw CollectorException.user(e.getMessage());
        }
        CollectorConfig config = kafka.load();
        CollectorMetrics metrics = new CollectorMetrics();
        // local problems first: they are quicker to report than an unreachable Kafka
        new LiveCollector(options, io.ctflow.collector.publish.Sink.DISCARD, null, metrics).checkEnvironment();
        CountDownLatch done = new CountDownLatch(1);
        try (Publisher publisher = config.connect(metrics);
             CaptureWriter recorder = record == null ? null : new CaptureWriter(record, options.node());
             MetricsServer server = metricsPort == 0 ? null : MetricsServer.start(metricsHost, metricsPort, metrics.registry())) {
            LiveCollector collector = new LiveCollector(options, publisher, recorder, metrics);
            Thread hook = new Thread(() -> {
                collector.stop();
                try {
                    done.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "ctflow-collect-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            spec.commandLine().getErr().println("ctflow collect: node " + options.node()
                    + (options.netns() == null ? "" : " (netns " + options.netns() + ")") + " -> " + config.bootstrapServers()
                    + (server == null ? "" : ", metrics on :" + server.port() + "/metrics") + "; Ctrl-C to stop");
            spec.commandLine().getErr().flush();
            try {
                LiveCollector.Summary s = collector.run();
                spec.commandLine().getErr().println("ctflow collect: stopped: " + s.eventsRead() + " events, " + s.snapshotEvents()
                        + " snapshot entries, " + s.deadLetters() + " dead letters, " + s.lostEvents() + " losses, "
                        + s.restarts() + " conntrack restarts, " + publisher.sendErrors() + " send errors");
                spec.commandLine().getErr().flush();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutting down: the hook is running
                }
            }
            return 0;
        } finally {
            done.countDown();
        }
    }
}
