package io.ctflow.embedded;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import kafka.server.KafkaConfig;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.coordinator.group.GroupCoordinatorConfig;
import org.apache.kafka.coordinator.share.ShareCoordinatorConfig;
import org.apache.kafka.coordinator.transaction.TransactionLogConfig;
import org.apache.kafka.network.SocketServerConfigs;
import org.apache.kafka.raft.KRaftConfigs;
import org.apache.kafka.raft.MetadataLogConfig;
import org.apache.kafka.raft.QuorumConfig;
import org.apache.kafka.server.config.ReplicationConfigs;
import org.apache.kafka.server.config.ServerConfigs;
import org.apache.kafka.server.config.ServerLogConfigs;
import org.apache.kafka.storage.internals.log.CleanerConfig;

/**
 * The single node's {@link KafkaConfig}, written with Kafka's own config constants: combined
 * broker and controller roles, a static one-voter quorum on 127.0.0.1, replication factor 1
 * everywhere, a small footprint, optional SASL/PLAIN with ACLs, then the user's extra properties.
 */
final class BrokerConfig {
    static final String PLAIN_LISTENER = "PLAINTEXT";
    static final String SASL_LISTENER = "SASL_PLAINTEXT";
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    static final String CONTROLLER_HOST = "127.0.0.1";
    private static final String SEGMENT_BYTES = String.valueOf(16 * 1024 * 1024);

    /** Derived from the builder's settings; overriding them as extra properties would break the instance. */
    static final Set<String> MANAGED = Set.of(
            KRaftConfigs.PROCESS_ROLES_CONFIG, KRaftConfigs.NODE_ID_CONFIG, SocketServerConfigs.LISTENERS_CONFIG,
            SocketServerConfigs.ADVERTISED_LISTENERS_CONFIG, KRaftConfigs.CONTROLLER_LISTENER_NAMES_CONFIG,
            SocketServerConfigs.LISTENER_SECURITY_PROTOCOL_MAP_CONFIG, ReplicationConfigs.INTER_BROKER_LISTENER_NAME_CONFIG,
            QuorumConfig.QUORUM_VOTERS_CONFIG, QuorumConfig.QUORUM_BOOTSTRAP_SERVERS_CONFIG, ServerLogConfigs.LOG_DIRS_CONFIG,
            ServerLogConfigs.LOG_DIR_CONFIG, MetadataLogConfig.METADATA_LOG_DIR_CONFIG);

    private BrokerConfig() {}

    static String clientListener(SaslPlainSecurity security) {
        return security == null ? PLAIN_LISTENER : SASL_LISTENER;
    }

    static KafkaConfig build(int nodeId, String host, String advertisedHost, int port, int controllerPort,
                             KafkaDataDir dir, SaslPlainSecurity security, long maxStartupMs, Map<String, String> extra) {
        String listener = clientListener(security);
        SecurityProtocol protocol = security == null ? SecurityProtocol.PLAINTEXT : SecurityProtocol.SASL_PLAINTEXT;
        Map<String, String> p = new LinkedHashMap<>();
        p.put(KRaftConfigs.PROCESS_ROLES_CONFIG, "broker,controller");
        p.put(KRaftConfigs.NODE_ID_CONFIG, String.valueOf(nodeId));
        p.put(SocketServerConfigs.LISTENERS_CONFIG, listener + "://" + formatHost(host) + ":" + port + ","
                + CONTROLLER_LISTENER + "://" + CONTROLLER_HOST + ":" + controllerPort);
        p.put(SocketServerConfigs.ADVERTISED_LISTENERS_CONFIG, listener + "://" + formatHost(advertisedHost) + ":" + port);
        p.put(SocketServerConfigs.LISTENER_SECURITY_PROTOCOL_MAP_CONFIG, listener + ":" + protocol.name + ","
                + CONTROLLER_LISTENER + ":" + protocol.name);
        p.put(ReplicationConfigs.INTER_BROKER_LISTENER_NAME_CONFIG, listener);
        p.put(KRaftConfigs.CONTROLLER_LISTENER_NAMES_CONFIG, CONTROLLER_LISTENER);
        p.put(QuorumConfig.QUORUM_VOTERS_CONFIG, nodeId + "@" + CONTROLLER_HOST + ":" + controllerPort);
        // A separate metadata dir: KafkaRaftManager then locks it before opening the metadata log, so a
        // second instance on the same data dir fails fast instead of touching the running node's log.
        p.put(ServerLogConfigs.LOG_DIRS_CONFIG, dir.logs().toString());
        p.put(MetadataLogConfig.METADATA_LOG_DIR_CONFIG, dir.metadata().toString());
        // Single node: replication factor 1 everywhere, no auto-creation, fast group joins
        p.put(ServerLogConfigs.AUTO_CREATE_TOPICS_ENABLE_CONFIG, "false");
        p.put(ServerLogConfigs.NUM_PARTITIONS_CONFIG, "1");
        p.put(ReplicationConfigs.DEFAULT_REPLICATION_FACTOR_CONFIG, "1");
        p.put(ServerLogConfigs.MIN_IN_SYNC_REPLICAS_CONFIG, "1");
        p.put(GroupCoordinatorConfig.OFFSETS_TOPIC_REPLICATION_FACTOR_CONFIG, "1");
        p.put(GroupCoordinatorConfig.OFFSETS_TOPIC_PARTITIONS_CONFIG, "1");
        p.put(TransactionLogConfig.TRANSACTIONS_TOPIC_REPLICATION_FACTOR_CONFIG, "1");
        p.put(TransactionLogConfig.TRANSACTIONS_TOPIC_MIN_ISR_CONFIG, "1");
        p.put(TransactionLogConfig.TRANSACTIONS_TOPIC_PARTITIONS_CONFIG, "1");
        p.put(ShareCoordinatorConfig.STATE_TOPIC_REPLICATION_FACTOR_CONFIG, "1");
        p.put(ShareCoordinatorConfig.STATE_TOPIC_MIN_ISR_CONFIG, "1");
        p.put(ShareCoordinatorConfig.STATE_TOPIC_NUM_PARTITIONS_CONFIG, "1");
        p.put(GroupCoordinatorConfig.GROUP_INITIAL_REBALANCE_DELAY_MS_CONFIG, "0");
        // Small footprint
        p.put(ServerLogConfigs.LOG_SEGMENT_BYTES_CONFIG, SEGMENT_BYTES);
        p.put(GroupCoordinatorConfig.OFFSETS_TOPIC_SEGMENT_BYTES_CONFIG, SEGMENT_BYTES);
        p.put(TransactionLogConfig.TRANSACTIONS_TOPIC_SEGMENT_BYTES_CONFIG, SEGMENT_BYTES);
        p.put(ShareCoordinatorConfig.STATE_TOPIC_SEGMENT_BYTES_CONFIG, SEGMENT_BYTES);
        p.put(MetadataLogConfig.METADATA_LOG_SEGMENT_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
        p.put(CleanerConfig.LOG_CLEANER_DEDUPE_BUFFER_SIZE_PROP, String.valueOf(8 * 1024 * 1024));
        p.put(SocketServerConfigs.NUM_NETWORK_THREADS_CONFIG, "2");
        p.put(ServerConfigs.NUM_IO_THREADS_CONFIG, "4");
        p.put(ServerLogConfigs.NUM_RECOVERY_THREADS_PER_DATA_DIR_CONFIG, "1");
        p.put(ServerConfigs.BACKGROUND_THREADS_CONFIG, "4");
        // Fail start() instead of hanging forever if the node can never come up
        p.put(KRaftConfigs.SERVER_MAX_STARTUP_TIME_MS_CONFIG, String.valueOf(Math.max(1, maxStartupMs)));
        if (security != null) {
            p.putAll(security.brokerProperties(listener, CONTROLLER_LISTENER));
        }
        // User pass-through wins (managed keys were rejected by the builder)
        p.putAll(extra);
        Properties props = new Properties();
        props.putAll(p);
        try {
            return KafkaConfig.fromProps(props, false);
        } catch (RuntimeException e) {
            throw new IllegalStateException("invalid embedded Kafka configuration: " + StartupFailure.describe(e), e);
        }
    }

    static String formatHost(String h) {
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }
}
