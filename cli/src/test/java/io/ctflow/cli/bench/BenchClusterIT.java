package io.ctflow.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ctflow.embedded.EmbeddedKafka;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/** The bench's cluster on a real embedded broker. */
class BenchClusterIT {
    @Test
    void aFinishedRunsChangelogsAndRepartitionTopicsGoAndNothingElse() throws Exception {
        try (BenchCluster cluster = BenchCluster.start(Map.of())) {
            List<String> names = List.of("ctflow-bench-app-1-flows-changelog", "ctflow-bench-app-1-service-updates-repartition",
                    "ctflow-bench-app-1-input", "ctflow-bench-app-10-flows-changelog", "bench.ctflow.events");
            cluster.admin.createTopics(names.stream().map(n -> new NewTopic(n, 1, (short) 1)).toList()).all().get();
            cluster.dropInternalTopics("ctflow-bench-app-1");
            Set<String> left = new TreeSet<>();
            long deadline = System.nanoTime() + 30_000_000_000L;
            do {
                left.clear();
                left.addAll(cluster.admin.listTopics().names().get());
                left.retainAll(names);
                if (left.size() == 3) {
                    break;
                }
                Thread.sleep(100); // a deletion is done when the controller has removed the topic: polled with a deadline
            } while (System.nanoTime() < deadline);
            assertEquals(Set.of("ctflow-bench-app-1-input", "ctflow-bench-app-10-flows-changelog", "bench.ctflow.events"), left);
        }
    }

    @Test
    void theBrokersLogCleanerHasKafkasDefaultOffsetMapNotTheEmbeddedBrokersSmallOne() throws Exception {
        try (BenchCluster cluster = BenchCluster.start(Map.of())) {
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER,
                    String.valueOf(cluster.admin.describeCluster().nodes().get().iterator().next().id()));
            Config c = cluster.admin.describeConfigs(List.of(broker)).all().get().get(broker);
            assertEquals(String.valueOf(EmbeddedKafka.LONG_RUNNING_CLEANER_MAP_BYTES), c.get("log.cleaner.dedupe.buffer.size").value());
        }
    }
}
