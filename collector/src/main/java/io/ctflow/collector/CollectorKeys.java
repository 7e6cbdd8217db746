package io.ctflow.collector;

import io.ctflow.collector.live.ServicesMode;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.config.ClientKeys;
import io.ctflow.config.ConfigSchema;
import io.ctflow.config.Sizes;
import io.ctflow.schemas.Topics;
import java.time.Duration;
import java.util.Arrays;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Every setting of the collector, declared once (see {@code ctflow collect --help-config}). */
public final class CollectorKeys {
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String TOPIC_PARTITIONS = "topic.partitions";
    public static final String TOPIC_REPLICATION_FACTOR = "topic.replication.factor";
    public static final String TOPIC_CREATE = "topic.create";
    public static final String CONNECT_TIMEOUT = "connect.timeout";
    public static final String STATS_INTERVAL = "stats.interval";
    public static final String FACTS_INTERVAL = "facts.interval";
    public static final String HEARTBEAT_INTERVAL = "heartbeat.interval";
    public static final String RESTART_BACKOFF_MIN = "conntrack.restart.backoff.min";
    public static final String RESTART_BACKOFF_MAX = "conntrack.restart.backoff.max";
    public static final String HEALTHY_AFTER = "conntrack.healthy-after";
    public static final String SNAPSHOTS = "conntrack.snapshots";
    public static final String CONNTRACK = "conntrack.path";
    public static final String BUFFER = "conntrack.buffer";
    public static final String SERVICES_FROM = "services.from";
    public static final String SERVICES_YAML = "services.yaml";
    public static final String KEEP_RAW = "keep.raw";
    public static final String ONLY_SERVICES = "only.services";
    public static final String DURATION = "duration";
    public static final String METRICS_HOST = "metrics.host";
    public static final String METRICS_PORT = "metrics.port";
    public static final String REPLAY_SETTLE = "replay.settle";

    private static final Duration POSITIVE = Duration.ofMillis(1);

    private static final ConfigDef.Validator REPLICATION = ConfigDef.LambdaValidator.with((name, value) -> {
        if (value != null) {
            ConfigDef.Range.between(1, (int) Short.MAX_VALUE).ensureValid(name, value);
        }
    }, () -> "unset (min(3, brokers)) or 1-" + Short.MAX_VALUE);

    public static final ConfigSchema SCHEMA = schema();

    private CollectorKeys() {}

    private static ConfigSchema schema() {
        ConfigSchema s = ClientKeys.schema()
                .define(TOPIC_PREFIX, Type.STRING, Topics.DEFAULT_PREFIX, null, "prefix of every ctflow topic name")
                .define(TOPIC_PARTITIONS, Type.INT, Topics.DEFAULT_PARTITIONS, ConfigDef.Range.atLeast(1),
                        "partitions of the topics the collector creates")
                .define(TOPIC_REPLICATION_FACTOR, Type.INT, null, REPLICATION, "replication of created topics (unset: min(3, brokers))")
                .define(TOPIC_CREATE, Type.BOOLEAN, true, null, "create missing topics (false: leave that to an admin)")
                .duration(CONNECT_TIMEOUT, "15s", POSITIVE, "how long Kafka may take to answer at startup")
                .duration(STATS_INTERVAL, "10s", POSITIVE, "conntrack -S / -C stats period")
                .duration(FACTS_INTERVAL, "30s", POSITIVE, "node facts and Services period; each is sent only when changed")
                .duration(HEARTBEAT_INTERVAL, "1s", POSITIVE, "heartbeat period, to every events partition (replay: in capture time)")
                .duration(RESTART_BACKOFF_MIN, "250ms", POSITIVE, "first delay before restarting a conntrack -E that ended; doubles per restart")
                .duration(RESTART_BACKOFF_MAX, "30s", POSITIVE, "longest delay before restarting conntrack -E")
                .duration(HEALTHY_AFTER, "30s", POSITIVE, "a conntrack -E that ran this long resets the restart delay")
                .define(SNAPSHOTS, Type.BOOLEAN, true, null, "table snapshots (conntrack -L) at start and after a loss")
                .define(CONNTRACK, Type.STRING, "conntrack", new ConfigDef.NonEmptyString(),
                        "the conntrack program: a name looked up on the PATH, or a path")
                .define(BUFFER, Type.STRING, "8M", Sizes.VALIDATOR, "netlink receive buffer of conntrack -E (-b); 0: conntrack's default")
                .define(SERVICES_FROM, Type.STRING, ServicesMode.AUTO.label(),
                        ConfigDef.CaseInsensitiveValidString.in(Arrays.stream(ServicesMode.values()).map(ServicesMode::label).toArray(String[]::new)),
                        "where Services are read: auto (nftables table ip kube-proxy, else IPVS virtual servers, else iptables), "
                                + "iptables (iptables-save -t nat), nftables (nft -j list table ip|ip6 kube-proxy), ipvs (ipvsadm -Ln or "
                                + "/proc/net/ip_vs, names from iptables comments), yaml (services.yaml only)")
                .define(SERVICES_YAML, Type.STRING, null, null,
                        "Services for hosts without kube-proxy: YAML 'services:' entries with vip, port, protocol, endpoints")
                .define(KEEP_RAW, Type.BOOLEAN, false, null, "put each raw line in the event's raw field")
                .define(ONLY_SERVICES, Type.BOOLEAN, false, null,
                        "send only the conntrack entries a Service of the node's Services table could have touched (DNATed, or to a "
                                + "Service address or endpoint); count the others in ctflow_events_dropped_total{reason=\"not_service\"}. "
                                + "Nothing is dropped before the first table is read")
                .duration(DURATION, null, POSITIVE, "stop by itself after this long (unset: run until stopped)")
                .define(METRICS_HOST, Type.STRING, "0.0.0.0", new ConfigDef.NonEmptyString(), "address the metrics server of collect binds")
                .define(METRICS_PORT, Type.INT, 9464, ConfigDef.Range.between(0, 65535),
                        "Prometheus metrics of collect at http://HOST:PORT/metrics (0: off)")
                .duration(REPLAY_SETTLE, "30s", Duration.ZERO, "replay: the closing heartbeat's distance past the last event");
        // The producer settings the collector chooses (Publisher fills them in), listed with their defaults.
        Publisher.producerDefaults().forEach((k, v) -> s.client(k, Type.STRING, v, null, "Kafka producer setting, the collector's default"));
        return s;
    }
}
