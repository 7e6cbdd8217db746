package io.ctflow.embedded;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** What the embedded broker waits for through its Admin client: its own registration, topics with leaders. */
final class AdminWaits {
    private AdminWaits() {}

    /** Polls until the broker is registered and unfenced (clients can produce and consume). */
    static void awaitRegistered(Admin admin, int nodeId, String address, Deadline deadline, long timeoutMs) {
        Throwable last = null;
        while (true) {
            long remaining = deadline.remainingMillis();
            if (remaining <= 0) {
                throw io.ctflow.config.StartupProblem.failure("embedded Kafka at " + address + " did not become ready within "
                        + timeoutMs + " ms" + (last != null ? ": " + StartupFailure.describe(last) : ""), last);
            }
            try {
                int attemptMs = (int) Math.min(remaining, 5_000);
                Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(attemptMs))
                        .nodes().get(attemptMs, TimeUnit.MILLISECONDS);
                if (nodes.stream().anyMatch(n -> n.id() == nodeId)) {
                    return;
                }
                last = new IllegalStateException("broker " + nodeId + " not yet registered; nodes=" + nodes);
            } catch (ExecutionException e) {
                last = e.getCause();
            } catch (TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for embedded Kafka to start", e);
            }
            deadline.pause(50);
        }
    }

    /** Creates the topics (existing ones are left as they are) and waits until every partition's leader serves it. */
    static void createTopics(Admin admin, Collection<NewTopic> topics, Deadline deadline) {
        Map<String, KafkaFuture<Void>> futures = admin.createTopics(topics,
                new CreateTopicsOptions().timeoutMs(deadline.remainingMillisInt())).values();
        for (Map.Entry<String, KafkaFuture<Void>> e : futures.entrySet()) {
            try {
                e.getValue().get(deadline.remainingMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("could not create topic " + e.getKey() + ": "
                            + StartupFailure.describe(ex.getCause()), ex.getCause());
                }
            } catch (TimeoutException ex) {
                throw new IllegalStateException("timed out creating topic " + e.getKey(), ex);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating topic " + e.getKey(), ex);
            }
        }
        awaitLeaders(admin, new HashSet<>(futures.keySet()), deadline);
    }

    private static void awaitLeaders(Admin a, Set<String> names, Deadline deadline) {
        Throwable last = null;
        while (true) {
            long remaining = deadline.remainingMillis();
            if (remaining <= 0) {
                throw new IllegalStateException("topics " + names + " did not get partition leaders in time"
                        + (last != null ? ": " + StartupFailure.describe(last) : ""));
            }
            try {
                int attemptMs = (int) Math.min(remaining, 5_000);
                Map<String, TopicDescription> d = a.describeTopics(names, new DescribeTopicsOptions().timeoutMs(attemptMs))
                        .allTopicNames().get(attemptMs, TimeUnit.MILLISECONDS);
                boolean ready = d.values().stream().flatMap(t -> t.partitions().stream())
                        .map(TopicPartitionInfo::leader).allMatch(l -> l != null && !l.isEmpty());
                if (ready && d.keySet().containsAll(names)) {
                    // The metadata names the leader before the broker's replica manager leads: a produce
                    // then got NOT_LEADER_OR_FOLLOWER, and the idempotent producer's retry of its first
                    // batch was refused as out of order behind the batches sent after it (EmbeddedKafkaIT
                    // lost 37 of 301 records). A partition's offsets come from its leader itself.
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    for (TopicDescription t : d.values()) {
                        t.partitions().forEach(p -> latest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest()));
                    }
                    a.listOffsets(latest, new ListOffsetsOptions().timeoutMs(attemptMs)).all().get(attemptMs, TimeUnit.MILLISECONDS);
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    last = e.getCause();
                }
            } catch (TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for topics " + names, e);
            }
            deadline.pause(20);
        }
    }
}
