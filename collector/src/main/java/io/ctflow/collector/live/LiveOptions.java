package io.ctflow.collector.live;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Settings of a {@link LiveCollector}; fluent setters, defaults as {@code ctflow collect}'s. */
public final class LiveOptions {
    private String node;
    private String netns;
    private String conntrack = "conntrack";
    private String searchPath;
    private long bufferBytes = 8L * 1024 * 1024;
    private Duration statsInterval = Duration.ofSeconds(10);
    private Duration factsInterval = Duration.ofSeconds(30);
    private Duration heartbeat = Duration.ofSeconds(1);
    private List<String> podCidrs = new ArrayList<>();
    private Path servicesYaml;
    private ServicesMode servicesFrom = ServicesMode.AUTO;
    private boolean keepRaw;
    private boolean snapshots = true;
    private Duration restartBackoffMin = Duration.ofMillis(250);
    private Duration restartBackoffMax = Duration.ofSeconds(30);
    private Duration healthyAfter = Duration.ofSeconds(30);
    private Duration duration;
    private boolean waitForSubscription = true;
    private boolean recordProc;

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
