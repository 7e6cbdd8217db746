package io.ctflow.collector.live;

import io.ctflow.collector.CollectorKeys;
import io.ctflow.config.Durations;
import io.ctflow.config.Settings;
import io.ctflow.config.Sizes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@link LiveCollector}; fluent setters. Defaults are {@link CollectorKeys}' declarations,
 * and {@link #from(Settings)} takes every declared one from the layered settings.
 */
public final class LiveOptions {
    private static final Settings DEFAULTS = Settings.defaults(CollectorKeys.SCHEMA);

    private String node;
    private String netns;
    private String conntrack = DEFAULTS.string(CollectorKeys.CONNTRACK);
    private String searchPath;
    private long bufferBytes = Sizes.parse(DEFAULTS.string(CollectorKeys.BUFFER));
    private Duration statsInterval = DEFAULTS.duration(CollectorKeys.STATS_INTERVAL);
    private Duration factsInterval = DEFAULTS.duration(CollectorKeys.FACTS_INTERVAL);
    private Duration heartbeat = DEFAULTS.duration(CollectorKeys.HEARTBEAT_INTERVAL);
    private List<String> podCidrs = new ArrayList<>();
    private Path servicesYaml;
    private ServicesMode servicesFrom = ServicesMode.parse(DEFAULTS.string(CollectorKeys.SERVICES_FROM));
    private boolean keepRaw = DEFAULTS.bool(CollectorKeys.KEEP_RAW);
    private boolean onlyServices = DEFAULTS.bool(CollectorKeys.ONLY_SERVICES);
    private boolean snapshots = DEFAULTS.bool(CollectorKeys.SNAPSHOTS);
    private Duration restartBackoffMin = DEFAULTS.duration(CollectorKeys.RESTART_BACKOFF_MIN);
    private Duration restartBackoffMax = DEFAULTS.duration(CollectorKeys.RESTART_BACKOFF_MAX);
    private Duration healthyAfter = DEFAULTS.duration(CollectorKeys.HEALTHY_AFTER);
    private Duration duration;
    private boolean waitForSubscription = true;
    private boolean recordProc;

    /**
     * The declared settings (intervals, conntrack, Services, snapshots, duration); node, netns and pod
     * CIDRs are the caller's. The two restart delays are checked together: a bad pair names both keys.
     */
    public static LiveOptions from(Settings s) {
        LiveOptions o = new LiveOptions().conntrack(s.string(CollectorKeys.CONNTRACK))
                .bufferBytes(Sizes.parse(s.string(CollectorKeys.BUFFER)))
                .statsInterval(s.duration(CollectorKeys.STATS_INTERVAL)).factsInterval(s.duration(CollectorKeys.FACTS_INTERVAL))
                .heartbeat(s.duration(CollectorKeys.HEARTBEAT_INTERVAL)).healthyAfter(s.duration(CollectorKeys.HEALTHY_AFTER))
                .servicesFrom(ServicesMode.parse(s.string(CollectorKeys.SERVICES_FROM))).keepRaw(s.bool(CollectorKeys.KEEP_RAW))
                .onlyServices(s.bool(CollectorKeys.ONLY_SERVICES))
                .snapshots(s.bool(CollectorKeys.SNAPSHOTS)).duration(s.duration(CollectorKeys.DURATION));
        String yaml = s.string(CollectorKeys.SERVICES_YAML);
        o.servicesYaml(yaml == null || yaml.isBlank() ? null : Path.of(yaml));
        Duration min = s.duration(CollectorKeys.RESTART_BACKOFF_MIN);
        Duration max = s.duration(CollectorKeys.RESTART_BACKOFF_MAX);
        if (max.compareTo(min) < 0) {
            throw s.invalid(CollectorKeys.RESTART_BACKOFF_MAX, "below " + CollectorKeys.RESTART_BACKOFF_MIN + "=" + Durations.format(min));
        }
        return o.restartBackoff(min, max);
    }

    public String node() {
        return node;
    }

    /** Node name put in every record (required). */
    public LiveOptions node(String v) {
        this.node = v;
        return this;
    }

    public String netns() {
        return netns;
    }

    /** Network namespace to collect from ({@code ip netns exec NAME}); null: this host's. */
    public LiveOptions netns(String v) {
        this.netns = v;
        return this;
    }

    public String conntrack() {
        return conntrack;
    }

    /** conntrack executable: a name looked up on the search path, or a path. */
    public LiveOptions conntrack(String v) {
        this.conntrack = Objects.requireNonNull(v);
        return this;
    }

    public String searchPath() {
        return searchPath;
    }

    /** Where tools are looked up (PATH syntax); null: the PATH environment variable. */
    public LiveOptions searchPath(String v) {
        this.searchPath = v;
        return this;
    }

    public long bufferBytes() {
        return bufferBytes;
    }

    /** Netlink receive buffer for {@code conntrack -E -b}; 0 leaves conntrack's default. */
    public LiveOptions bufferBytes(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("buffer must not be negative");
        }
        this.bufferBytes = v;
        return this;
    }

    public Duration statsInterval() {
        return statsInterval;
    }

    public LiveOptions statsInterval(Duration v) {
        this.statsInterval = positive(v, "stats interval");
        return this;
    }

    public Duration factsInterval() {
        return factsInterval;
    }

    public LiveOptions factsInterval(Duration v) {
        this.factsInterval = positive(v, "facts interval");
        return this;
    }

    public Duration heartbeat() {
        return heartbeat;
    }

    public LiveOptions heartbeat(Duration v) {
        this.heartbeat = positive(v, "heartbeat");
        return this;
    }

    public List<String> podCidrs() {
        return podCidrs;
    }

    public LiveOptions podCidrs(List<String> v) {
        this.podCidrs = new ArrayList<>(v);
        return this;
    }

    public Path servicesYaml() {
        return servicesYaml;
    }

    public LiveOptions servicesYaml(Path v) {
        this.servicesYaml = v;
        return this;
    }

    public ServicesMode servicesFrom() {
        return servicesFrom;
    }

    /** Which dataplane Services are read from (default AUTO: detected at every read). */
    public LiveOptions servicesFrom(ServicesMode v) {
        this.servicesFrom = Objects.requireNonNull(v);
        return this;
    }

    public boolean keepRaw() {
        return keepRaw;
    }

    public LiveOptions keepRaw(boolean v) {
        this.keepRaw = v;
        return this;
    }

    public boolean onlyServices() {
        return onlyServices;
    }

    /** Send only the entries a Service of the node's current table could have touched ({@link io.ctflow.collector.filter.OnlyServices}). */
    public LiveOptions onlyServices(boolean v) {
        this.onlyServices = v;
        return this;
    }

    public boolean snapshots() {
        return snapshots;
    }

    /** Table snapshots ({@code conntrack -L}) at start and after a loss. */
    public LiveOptions snapshots(boolean v) {
        this.snapshots = v;
        return this;
    }

    public Duration restartBackoffMin() {
        return restartBackoffMin;
    }

    public Duration restartBackoffMax() {
        return restartBackoffMax;
    }

    /** Restart delays of conntrack -E: doubling from {@code min} up to {@code max}. */
    public LiveOptions restartBackoff(Duration min, Duration max) {
        this.restartBackoffMin = positive(min, "restart backoff");
        this.restartBackoffMax = positive(max, "restart backoff");
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("maximum restart backoff is below the minimum");
        }
        return this;
    }

    public Duration healthyAfter() {
        return healthyAfter;
    }

    /** A conntrack -E that ran this long resets the backoff. */
    public LiveOptions healthyAfter(Duration v) {
        this.healthyAfter = positive(v, "healthy-after");
        return this;
    }

    public Duration duration() {
        return duration;
    }

    /** Stop by itself after this long; null: until stopped. */
    public LiveOptions duration(Duration v) {
        this.duration = v == null ? null : positive(v, "duration");
        return this;
    }

    public boolean waitForSubscription() {
        return waitForSubscription;
    }

    /** Wait (up to 2 s) until conntrack -E has joined the netlink event groups before counting as started. */
    public LiveOptions waitForSubscription(boolean v) {
        this.waitForSubscription = v;
        return this;
    }

    public boolean recordProc() {
        return recordProc;
    }

    /** With a recorder: read /proc/net/nf_conntrack once (half-way through --duration, else at the end). */
    public LiveOptions recordProc(boolean v) {
        this.recordProc = v;
        return this;
    }

    private static Duration positive(Duration d, String what) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(what + " must be positive");
        }
        return d;
    }
}
