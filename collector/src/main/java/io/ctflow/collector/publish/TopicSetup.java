package io.ctflow.collector.publish;

import io.ctflow.collector.CollectorException;
import io.ctflow.schemas.TopicCreation;
import io.ctflow.schemas.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Checks that Kafka answers and creates the collector's topics that are missing. */
public final class TopicSetup {
    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {}

    /**
     * Connects with an Admin client, fails clearly when Kafka does not answer within {@code timeout},
     * and creates the missing collector topics ({@link Topics#collectorTopics}).
     *
     * @param config      Kafka client properties (only the Admin client's are used)
     * @param partitions  partitions of new events and node-stats topics
     * @param replication replication factor of new topics; null: min(3, brokers)
     * @return the partitions of the events topic
     * @throws CollectorException when Kafka is unreachable or refuses
     */
    public static int ensure(Map<String, ?> config, Topics topics, int partitions, Short replication, Duration timeout) {
        if (partitions < 1) {
            throw CollectorException.user("partitions must be at least 1, got " + partitions);
        }
        String bootstrap = String.valueOf(config.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
        int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        Map<String, Object> ac = adminConfig(config);
        ac.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Math.max(ms, 1000));
        ac.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(ms, 1000));
        ac.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "ctflow-collector-admin");
        Admin admin;
        try {
            admin = Admin.create(ac);
        } catch (KafkaException e) {
            throw CollectorException.environment("cannot connect to Kafka at " + bootstrap + ": " + Publisher.rootMessage(e), e);
        }
        try (admin) {
            int brokers;
            try {
                brokers = admin.describeCluster(new DescribeClusterOptions().timeoutMs(ms)).nodes().get(ms + 2000L, TimeUnit.MILLISECONDS).size();
            } catch (TimeoutException | ExecutionException e) {
                throw unreachable(bootstrap, timeout, e);
            }
            short rf = replication != null ? replication : TopicCreation.replication(brokers);
            for (NewTopic t : TopicCreation.createMissing(admin, topics.collectorTopics(partitions, rf), Duration.ofMillis(ms + 2000L))) {
                LOG.info("created topic {} ({} partitions, replication {})", t.name(), t.numPartitions(), rf);
            }
            String events = topics.events();
            return io.ctflow.schemas.TopicPartitions.count(admin, events, Duration.ofMillis(ms + 2000L));
        } catch (TimeoutException e) {
            throw unreachable(bootstrap, timeout, e);
        } catch (TopicCreation.Refused e) {
            throw CollectorException.environment("cannot create topic " + e.topic() + ": " + Publisher.rootMessage(e), e);
        } catch (ExecutionException e) {
            throw CollectorException.environment("Kafka at " + bootstrap + ": " + Publisher.rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CollectorException.environment("interrupted while connecting to Kafka");
        }
    }

    private static CollectorException unreachable(String bootstrap, Duration timeout, Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof org.apache.kafka.common.errors.TimeoutException || cause instanceof TimeoutException) {
            return CollectorException.environment("Kafka unreachable at " + bootstrap + " (no answer within "
                    + timeout.toSeconds() + " s; check --bootstrap-servers and security settings)", e);
        }
        return CollectorException.environment("Kafka at " + bootstrap + ": " + Publisher.rootMessage(cause), e);
    }

    /** The properties an Admin client understands (so it does not warn about producer settings). */
    public static Map<String, Object> adminConfig(Map<String, ?> config) {
        Set<String> known = AdminClientConfig.configNames();
        Map<String, Object> out = new HashMap<>();
        config.forEach((k, v) -> {
            if (known.contains(k) || k.startsWith("ssl.") || k.startsWith("sasl.") || k.startsWith("security.")) {
                out.put(k, v);
            }
        });
        return out;
    }
}
