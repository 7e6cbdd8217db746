package io.ctflow.streams;

/** Every state store's name, in one place: they name changelog topics and the HTTP API's queries. */
public final class StoreNames {
    public static final String FLOWS = "flows";
    public static final String ANOMALIES = "anomalies";
    public static final String NODE_GAPS = "node-gaps";
    /** The flow task's per-Service window partials, keyed Service id + NUL + window start, until the window closes there. */
    public static final String SERVICE_PARTIALS = "service-partials";
    public static final String SERVICES_GLOBAL = "services-global";
    public static final String NODE_FACTS_GLOBAL = "node-facts-global";
    public static final String SERVICE_WINDOWS = "service-windows";
    public static final String SERVICE_LATEST = "service-latest";
    public static final String STATS_WATERMARKS = "stats-watermarks";
    public static final String NODE_STATS_LAST = "node-stats-last";
    public static final String NODE_ANOMALIES = "node-anomalies";
    /** Closed Service windows kept for api.history-retention, keyed Service id + NUL + window start. */
    public static final String SERVICE_HISTORY = "service-history";
    /** Event time of each node's latest heartbeat, per flow task (in memory: heartbeats come every second). */
    public static final String NODE_HEARTBEATS = "node-heartbeats";
    /** No data: tells the flow join a commit is coming, so it writes the flows and partials it changed since the last one. */
    public static final String FLOW_COMMIT_HOOK = "flow-commit-hook";

    private StoreNames() {}
}
