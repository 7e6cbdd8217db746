package io.ctflow.cli.kafka;

import io.ctflow.cli.EmbeddedPorts;
import io.ctflow.process.ShutdownSignal;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ctflow kafka}: only the embedded broker and the schema registry, in the foreground, on a
 * kept directory — a local Kafka for {@code ctflow collect}, {@code replay}, {@code streams} and
 * {@code tail} that survives restarts.
 */
@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = {"Run an embedded Kafka broker (KRaft, one node) and the schema registry in the foreground,",
                "keeping topics and schema ids in --data-dir across restarts. Prints the bootstrap servers and the",
                "registry URL (as key=value lines on stdout); Ctrl-C or SIGTERM stops both cleanly."})
public final class KafkaCommand implements Callable<Integer> {
    @Mixin
    EmbeddedPorts ports = new EmbeddedPorts();
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where topics and schemas are kept (default: ~/.ctflow/kafka); DIR/broker and DIR/registry.")
    Path dataDir;
    @Spec
    CommandSpec spec;

    /** Counted down to stop (the shutdown hook does; tests may too). */
    final CountDownLatch stop = new CountDownLatch(1);

    static Path defaultDataDir() {
        return Path.of(System.getProperty("user.home"), ".ctflow", "kafka");
    }

    @Override
    public Integer call() throws InterruptedException {
        Path dir = dataDir != null ? dataDir : defaultDataDir();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // On SIGTERM/Ctrl-C the JVM exits once the hooks return: hold it until the broker has shut down.
        ShutdownSignal signal = ShutdownSignal.install("ctflow-kafka-stop", Duration.ofSeconds(60), stop::countDown);
        try (LocalKafka local = LocalKafka.start(dir, ports.kafkaPort(), ports.registryPort())) {
            out.println("bootstrap.servers=" + local.bootstrapServers());
            out.println("schema.registry.url=" + local.registryUrl());
            out.flush();
            err.println("ctflow kafka: data in " + dir + "; Ctrl-C to stop");
            err.flush();
            stop.await();
            err.println("ctflow kafka: stopping");
            err.flush();
        } finally {
            signal.close();
        }
        return 0;
    }
}
