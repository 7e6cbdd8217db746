package io.ctflow.schemas;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * How every ctflow component creates its topics (the collector, the streams app): only the missing
 * ones, a topic another component created at the same moment is fine, and the call returns only
 * once every partition of a created topic answers from its leader. That last step matters: an
 * idempotent producer whose first batch a just-created partition refuses retries it after its
 * successors and the broker rejects it for good as out of sequence (seen with Kafka 4.4).
 */
public final class TopicCreation {
    private TopicCreation() {}

    /** A topic Kafka refused to create (not "it exists already"). */
    public static final class Refused extends ExecutionException {
        private final String topic;

        Refused(String topic, Throwable cause) {
            super("cannot create topic " + topic + ": " + cause.getMessage(), cause);
            this.topic = topic;
        }

        public String topic() {
            return topic;
        }
    }

    /** The replication factor for a cluster of {@code brokers}: one per broker, at most 3. */
    public static short replication(int brokers) {
        return (short) Math.max(1, Math.min(3, brokers));
    }

    /** Creates those of {@code wanted} that do not exist and waits until they serve; returns the ones it created. */
    public static List<NewTopic> createMissing(Admin admin, Collection<NewTopic> wanted, Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        long ms = Math.max(1, timeout.toMillis());
        int apiMs = (int) Math.min(Integer.MAX_VALUE, ms);
        Set<String> existing = admin.listTopics(new ListTopicsOptions().timeoutMs(apiMs)).names().get(ms, TimeUnit.MILLISECONDS);
        List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
        if (missing.isEmpty()) {
            return missing;
        }
        CreateTopicsResult created = admin.createTopics(missing);
        for (NewTopic t : missing) {
            try {
                created.values().get(t.name()).get(ms, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new Refused(t.name(), e.getCause());
                }
            }
        }
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        for (NewTopic t : missing) {
            int n = TopicPartitions.count(admin, t.name(), timeout);
            for (int p = 0; p < n; p++) {
                partitions.put(new TopicPartition(t.name(), p), OffsetSpec.latest());
            }
        }
        // the Admin client retries a partition whose leader does not serve it yet, within the timeout
        admin.listOffsets(partitions, new ListOffsetsOptions().timeoutMs(apiMs)).all().get(ms, TimeUnit.MILLISECONDS);
        return missing;
    }
}
