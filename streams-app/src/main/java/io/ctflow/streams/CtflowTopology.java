package io.ctflow.streams;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.ServiceStats;
import io.ctflow.avro.internal.FlowUpdate;
import io.ctflow.flow.FlowKey;
import io.ctflow.schemas.Topics;
import io.ctflow.streams.flow.DecodedFlowsBudget;
import io.ctflow.streams.flow.FlowJoinProcessor;
import io.ctflow.streams.flow.ReplyTimeout;
import io.ctflow.streams.metrics.ResultsObserver;
import io.ctflow.streams.node.NodeAnomalyProcessor;
import io.ctflow.streams.node.NodeHeartbeats;
import io.ctflow.streams.outage.RegistryWaitingSerde;
import io.ctflow.streams.service.ServicesVersion;
import io.ctflow.streams.state.CommitHookBuilder;
import io.ctflow.streams.stats.ServicePartialSerde;
import io.ctflow.streams.stats.ServiceStatsProcessor;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The one topology factory: pure (no lifecycle, no I/O), called by the app and by the tests alike.
 *
 * <pre>
 * events ──► flow-join (flows, anomalies, node-gaps, service-partials; reads services-global, node-facts-global)
 *        └──► heartbeats (node-heartbeats, in memory: each node's latest heartbeat, for the API)
 *              ├─► anomalies ───────────────────────────────────────────────► ctflow.anomalies
 *              └─► updates ─► repartition "service-updates" (by Service: one partial per Service window
 *                             and flow partition, from service-partials; TICKs to all)
 *                                 └─► service-stats (service-windows, service-latest, stats-watermarks, service-history) ─► ctflow.service-stats
 * node-stats ─► node-anomalies (node-stats-last, node-anomalies; reads node-facts-global) ─────────────► ctflow.anomalies
 * services ─► services-global (bumps a ServicesVersion)        node-facts ─► node-facts-global
 * </pre>
 *
 * <p>The flow join reads the Services table's version on punctuation: when it moved, each task
 * looks once for endpoints removed under its open flows (STALE_ENDPOINT) and partition 0's task for
 * Services without endpoints (NO_ENDPOINTS). A second source on the services topic is not possible
 * (a topic feeds one source), and a global store's processor cannot forward.
 */
public final class CtflowTopology {
    private CtflowTopology() {}

    public static Topology build(AppConfig config, AppSerdes serdes) {
        return build(config, serdes, ResultsObserver.NONE);
    }

    /** The topology, telling {@code metrics} of each event, anomaly and closed window (peek nodes; every node is named, so names stay put). */
    public static Topology build(AppConfig config, AppSerdes serdes, ResultsObserver metrics) {
        if (config.eventsPartitions() < 1) {
            throw new IllegalArgumentException("events.partitions must be known (>= 1) to build the topology");
        }
        Topics topics = config.topics();
        StreamsBuilder builder = new StreamsBuilder();
        ServicesVersion servicesVersion = new ServicesVersion();

        // the global thread cannot be replaced: its serdes wait out a registry outage (RegistryOutage)
        Serde<ServiceEntry> services = RegistryWaitingSerde.of(serdes.services());
        Serde<NodeFacts> nodeFacts = RegistryWaitingSerde.of(serdes.nodeFacts());
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.SERVICES_GLOBAL), Serdes.String(), services)
                        .withLoggingDisabled(),
                topics.services(), Consumed.with(Serdes.String(), services).withName("services-source"),
                () -> new GlobalTableUpdater<>(StoreNames.SERVICES_GLOBAL, servicesVersion::bump));
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.NODE_FACTS_GLOBAL), Serdes.String(), nodeFacts)
                        .withLoggingDisabled(),
                topics.nodeFacts(), Consumed.with(Serdes.String(), nodeFacts).withName("node-facts-source"),
                () -> new GlobalTableUpdater<>(StoreNames.NODE_FACTS_GLOBAL));

        // No record cache on the flows store nor on the partials: the flow join keeps the states it changed
        // and writes each once just before the commit (CommitHook). The record cache did the same for the
        // flows, but its sorted map cost more than it saved with a working set larger than the cache.
        // Measured: BENCHMARKS.md.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.FLOWS), serdes.flowKey(), serdes.flowState()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.ANOMALIES), Serdes.String(), serdes.anomalies()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.NODE_GAPS), Serdes.String(), Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.SERVICE_PARTIALS), Serdes.String(), new ServicePartialSerde()));
        builder.addStateStore(new CommitHookBuilder(StoreNames.FLOW_COMMIT_HOOK));

        KStream<FlowKey, ConntrackEvent> events = builder.stream(topics.events(),
                Consumed.with(serdes.flowKey(), serdes.events()).withTimestampExtractor(new EventTimeExtractor(config.maxClockAhead(), metrics)).withName("events-source"));
        ReplyTimeout timeout = new ReplyTimeout(config.tcpReplyTimeout(), config.udpReplyTimeout(), config.otherReplyTimeout());
        DecodedFlowsBudget decodedFlows = new DecodedFlowsBudget(config.flowDecodedMemory()); // one per instance, split among its tasks
        KStream<String, SpecificRecord> joined = events.peek((k, e) -> metrics.event(e), Named.as("metrics-events")).process(
                () -> new FlowJoinProcessor(timeout, config.grace(), config.window(), config.flowRetention(), config.requestResponseUdp(), servicesVersion,
                        config.anomalyCommitWithin(), decodedFlows, config.flowTimersPerRecord()),
                Named.as("flow-join"), StoreNames.FLOWS, StoreNames.ANOMALIES, StoreNames.NODE_GAPS, StoreNames.SERVICE_PARTIALS,
                StoreNames.FLOW_COMMIT_HOOK);
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.NODE_HEARTBEATS), Serdes.String(), Serdes.Long())
                .withLoggingDisabled());
        events.process(NodeHeartbeats::new, Named.as("heartbeats"), StoreNames.NODE_HEARTBEATS);

        Map<String, KStream<String, SpecificRecord>> out = joined.split(Named.as("flow-out-"))
                .branch((k, v) -> v instanceof NatAnomaly, Branched.as("anomalies"))
                .defaultBranch(Branched.as("updates"));
        out.get("flow-out-anomalies")
                .peek((k, a) -> metrics.anomaly((NatAnomaly) a), Named.as("metrics-anomalies"))
                .mapValues(v -> (NatAnomaly) v, Named.as("as-anomaly"))
                .to(topics.anomalies(), Produced.with(Serdes.String(), serdes.anomalies()).withName("anomalies-sink"));

        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.SERVICE_WINDOWS), Serdes.String(), serdes.serviceAgg()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.SERVICE_LATEST), Serdes.String(), serdes.serviceStats()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.STATS_WATERMARKS), Serdes.Integer(), Serdes.Long()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.SERVICE_HISTORY), Serdes.String(), serdes.serviceStats()).withCachingEnabled());
        KStream<String, ServiceStats> stats = out.get("flow-out-updates")
                .mapValues(v -> (FlowUpdate) v, Named.as("as-update"))
                .repartition(Repartitioned.<String, FlowUpdate>as("service-updates")
                        .withKeySerde(Serdes.String()).withValueSerde(serdes.flowUpdate())
                        .withStreamPartitioner(new TickBroadcastPartitioner()))
                .process(() -> new ServiceStatsProcessor(config.window(), config.eventsPartitions(), config.historyRetention(), metrics),
                        Named.as("service-stats"),
                        StoreNames.SERVICE_WINDOWS, StoreNames.SERVICE_LATEST, StoreNames.STATS_WATERMARKS, StoreNames.SERVICE_HISTORY);
        stats.to(topics.serviceStats(), Produced.with(Serdes.String(), serdes.serviceStats()).withName("service-stats-sink"));

        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.NODE_STATS_LAST), Serdes.String(), serdes.nodeStats()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.NODE_ANOMALIES), Serdes.String(), serdes.anomalies()).withCachingEnabled());
        builder.stream(topics.nodeStats(), Consumed.with(Serdes.String(), serdes.nodeStats()).withName("node-stats-source"))
                .process(NodeAnomalyProcessor::new, Named.as("node-anomalies"), StoreNames.NODE_STATS_LAST, StoreNames.NODE_ANOMALIES)
                .peek((k, a) -> metrics.anomaly(a), Named.as("metrics-node-anomalies"))
                .to(topics.anomalies(), Produced.with(Serdes.String(), serdes.anomalies()).withName("node-anomalies-sink"));

        return builder.build();
    }
}
