package io.ctflow.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ctflow up}: the embedded stack plus the live collector on this host — one machine
 * monitored with nothing else installed. Runs until Ctrl-C.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Monitor this host: embedded Kafka and schema registry, the streams app, and the live collector",
                "(conntrack -E) on this machine, showing anomalies as they come. Needs root (CAP_NET_ADMIN). Ctrl-C stops."})
public final class UpCommand implements Callable<Integer> {
    @Mixin
    EmbeddedPorts ports = new EmbeddedPorts();
    @Mixin
    EmbeddedPorts.Http http = new EmbeddedPorts.Http();
    @Option(names = "--netns", paramLabel = "NAME", description = "Collect inside this network namespace instead of the host's.")
    String netns;
    @Option(names = "--duration", description = "Stop by itself after this long (default: until Ctrl-C).")
    String duration;

    @Override
    public Integer call() throws Exception {
        if (!isRoot()) {
            throw new io.ctflow.config.UsageException("needs root (conntrack reads the kernel's table over netlink with CAP_NET_ADMIN); try: sudo ./ctflow up");
        }
        try (EmbeddedStack stack = EmbeddedStack.start("ctflow-up", ports.kafkaPort(), ports.registryPort(), http.httpPort());
             ResultsView view = new ResultsView(System.out, null)) {
            String bootstrap = stack.kafka.bootstrapServers();
            AtomicInteger collectorExit = new AtomicInteger(-1);
            CountDownLatch collectorDone = new CountDownLatch(1);
            Thread collector = new Thread(() -> {
                List<String> args = new ArrayList<>(List.of("collect", "--bootstrap-servers", bootstrap,
                        "--schema-registry-url", stack.registry.url(), "--metrics-port", "0"));
                if (netns != null) {
                    args.addAll(List.of("--netns", netns));
                }
                if (duration != null) {
                    args.addAll(List.of("--duration", duration));
                }
                collectorExit.set(Ctflow.commandLine().execute(args.toArray(String[]::new)));
                collectorDone.countDown();
            }, "ctflow-collector");
            collector.setDaemon(true);
            collector.start();
            System.err.printf("ctflow up: collecting on this host; HTTP API http://127.0.0.1:%d, Kafka %s; Ctrl-C to stop%n",
                    stack.app.httpPort(), bootstrap);
            while (collectorDone.getCount() > 0) {
                view.show(stack.results.poll(Duration.ofMillis(200)));
            }
            view.show(stack.results.poll(Duration.ofMillis(500)));
            return collectorExit.get();
        }
    }

    static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().map(l -> l.split("\\s+")[2].equals("0")).orElse(false);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
