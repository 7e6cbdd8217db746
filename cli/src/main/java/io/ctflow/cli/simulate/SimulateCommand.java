package io.ctflow.cli.simulate;

import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.CollectorKeys;
import io.ctflow.collector.capture.Capture;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.collector.replay.ConsoleProgress;
import io.ctflow.collector.replay.Replayer;
import io.ctflow.config.ClientOptions;
import io.ctflow.config.ConfigOptions;
import io.ctflow.config.Settings;
import io.ctflow.config.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ctflow simulate}: a fleet's conntrack captures with known anomalies, written or published. */
@Command(name = "simulate", mixinStandardHelpOptions = true, resourceBundle = "io.ctflow.collector.cli.CollectorHelp",
        description = {"Simulate a Kubernetes fleet's conntrack traffic: write a capture directory in the real capture "
                + "format (events, facts, NAT rules, stats and counts per node) plus truth.json listing every injected "
                + "anomaly, or publish it to Kafka with the collector's replay.",
                "Deterministic: the same flags and --seed give the same bytes."})
public final class SimulateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", required = true, paramLabel = "N", description = "Nodes in the fleet (node-001...).")
    int nodes;

    @Option(names = "--services", required = true, paramLabel = "S", description = "Services (ClusterIP ports) in the fleet.")
    int services;

    @Option(names = "--rate", required = true, paramLabel = "EVENTS_PER_S",
            description = "Conntrack events per second across the fleet, in event time.")
    double rate;

    @Option(names = "--duration", required = true, paramLabel = "DURATION", description = "Event time to cover: 60s, 10m...")
    String duration;

    @Option(names = "--anomalies", paramLabel = "FRACTION", defaultValue = "0.01",
            description = "Share of Service connections that are broken, causes spread over all five (default ${DEFAULT-VALUE}).")
    double anomalies;

    @Option(names = "--loss", paramLabel = "FRACTION", defaultValue = "0",
            description = "Share of each node's events lost in netlink overflow bursts, marked by loss lines (default ${DEFAULT-VALUE}).")
    double loss;

    @Option(names = "--skew", paramLabel = "DURATION", defaultValue = "0",
            description = "Each node's clock is off by a fixed amount within +-DURATION (default ${DEFAULT-VALUE}).")
    String skew;

    @Option(names = "--seed", paramLabel = "X", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Write the capture here (a new or empty directory).")
    Path out;

    /** Given --bootstrap-servers, the capture is published (as ctflow replay would, with its settings). */
    @Mixin
    ClientOptions client;

    @Mixin
    ConfigOptions configOptions;

    @Override
    public Integer call() throws Exception {
        if (configOptions.printedHelp(CollectorKeys.SCHEMA, spec.commandLine().getOut())) {
            return 0;
        }
        SimulationSpec sim = new SimulationSpec(nodes, services, rate, Settings.parseDuration("--duration", duration),
            anomalies, loss, Settings.parseDuration("--skew", skew), seed);
        boolean publish = client.bootstrapServers() != null;
        if (out == null && !publish) {
            throw new UsageException("give --out DIR to write a capture, or --bootstrap-servers and "
                + "--schema-registry-url to publish one");
        }
        if (publish != (client.schemaRegistryUrl() != null)) {
            throw new UsageException("--bootstrap-servers and --schema-registry-url go together");
        }
        if (out != null) {
            checkEmptyOrAbsent(out);
        }
        Path dir = out != null ? Files.createDirectories(out) : Files.createTempDirectory("ctflow-simulate-");
        PrintStream err = System.err;
        try {
            Simulation.Result r = Simulation.run(sim, dir, err);
            String summary = String.format(java.util.Locale.ROOT,
                "ctflow simulate: %d events (%d lost), %d connections, %d anomalies, %d node anomalies on %d nodes; "
                    + "%d files in %s; %.1f s wall, %.0f events/s (%.1f s CPU, %.0f events per CPU second)",
                r.events(), r.lost(), r.connections(), r.anomalies(), r.truth().nodeAnomalies().size(), nodes, r.files(),
                out != null ? dir : "a temporary directory", r.wallNanos() / 1e9, r.eventsPerSecond(), r.cpuNanos() / 1e9,
                r.eventsPerCpuSecond());
            spec.commandLine().getOut().println(summary);
            spec.commandLine().getOut().flush();
            if (publish) {
                publish(dir);
            }
        } finally {
            if (out == null) {
                deleteTree(dir);
            }
        }
        return 0;
    }

    private void publish(Path dir) throws Exception {
        CollectorConfig cfg = CollectorConfig.from(Settings.load(CollectorKeys.SCHEMA,
            configOptions.sources(spec, CollectorKeys.SCHEMA, System.getenv())));
        try (Publisher publisher = cfg.connect(new CollectorMetrics())) {
            Replayer.Result r = Replayer.replay(Capture.open(dir), publisher,
                Replayer.Options.defaults().withProgress(ConsoleProgress.stderr()));
            publisher.flush();
            spec.commandLine().getOut().println("ctflow simulate: published " + r.summary());
            spec.commandLine().getOut().flush();
        }
    }

    private static void checkEmptyOrAbsent(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new UsageException("--out " + dir + " exists and is not a directory");
        }
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new UsageException("--out " + dir + " is not empty: give a new or empty directory");
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
