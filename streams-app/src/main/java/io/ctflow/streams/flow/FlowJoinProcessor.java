package io.ctflow.streams.flow;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.avro.StatusFlag;
import io.ctflow.avro.internal.FlowState;
import io.ctflow.avro.internal.NodeView;
import io.ctflow.avro.internal.ViewOrigin;
import io.ctflow.flow.FlowKey;
import io.ctflow.streams.StoreNames;
import io.ctflow.streams.service.ServicesVersion;
import io.ctflow.streams.state.CommitHook;
import io.ctflow.streams.stats.ConnectionChange;
import io.ctflow.streams.stats.ServicePartials;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The flow join: keeps every node's view of one connection (all share the flow key, so they are on
 * this partition), judges NATed entries that stay unreplied past the reply timeout, and tells the
 * per-Service stats what happened to each connection once, however many nodes saw it.
 *
 * <p>Time is event time only: timers fire when this processor's event time minus the grace passes
 * their deadline, checked before each record and on stream-time punctuation, so a replay produces
 * exactly what the live run did (a jump of event time fires its due timers over several records,
 * a flow's own before its next event: {@link FlowDeadlines#fireDue}). Which events start, extend or
 * are ignored for a connection is {@link Admission}'s decision; how long a flow is kept,
 * {@link FlowRetention}'s. Outputs: {@link NatAnomaly} keyed {@code flowkey@node}, and the per-Service stats' messages
 * ({@link ConnectionCounts}: each connection change counted in its Service window's partial, sent
 * once the window closes on this partition's watermark, then the TICK that carries the watermark).
 * Reply timers and expiry are {@link FlowDeadlines}', judging {@link UnrepliedJudge}'s, anomaly
 * records {@link AnomalyBuilder}'s. On a change of the Services
 * table it checks open flows for removed endpoints and, on partition 0, the Services without
 * endpoints ({@link ServicesTableWatch}).
 */
public final class FlowJoinProcessor implements Processor<FlowKey, ConntrackEvent, String, SpecificRecord>, FlowOutput, FlowDeadlines.Due {

    private final ReplyTimeout timeout;
    private final CauseClassifier classifier;
    private final FlowDeadlines deadlines;
    private UnrepliedJudge judge;
    private final long graceMicros;
    private final ServicesTableWatch servicesTable;
    private final ServiceLookup serviceLookup;
    private final ServiceNames serviceNames = new ServiceNames();

    private ProcessorContext<String, SpecificRecord> ctx;
    private FlowCache flows;
    private KeyValueStore<String, NatAnomaly> anomalies;
    private KeyValueStore<String, ServiceEntry> services;
    private KeyValueStore<String, NodeFacts> facts;
    private KeyValueStore<String, Long> gaps;
    private int partition;
    // In-memory only, rebuilt from the input: reset in init() so a revived task starts clean.
    private long maxEventTime;
    private final ServicePartials partials;
    private final ConnectionCounts counts;
    private final PromptCommits promptCommits;
    private final DecodedFlowsBudget decodedBudget;
    private boolean inBudget;
    /** The last punctuation closed windows short of the watermark, for timers still due then. */
    private boolean windowsHeld;
    /**
     * Record budgets of timers a wall-clock tick fires while some are left due. The commit that shows
     * the anomalies already judged waits for the tick: ten budgets (~0.4 s of timers) kept the last
     * anomalies of the latency row 0.6 s late, against 3.8 s with no budget (BENCHMARKS.md,
     * twenty-first round).
     */
    private static final int CATCH_UP_BUDGETS = 3;

    public FlowJoinProcessor(ReplyTimeout timeout, Duration grace, Duration window, FlowRetention retention, Set<String> requestResponseUdp,
                             ServicesVersion servicesVersion, Duration anomalyCommitWithin, DecodedFlowsBudget decodedBudget,
                             int timersPerRecord) {
        this.decodedBudget = decodedBudget;
        this.promptCommits = new PromptCommits(anomalyCommitWithin);
        this.partials = new ServicePartials(window);
        this.counts = new ConnectionCounts(partials);
        this.servicesTable = new ServicesTableWatch(servicesVersion);
        this.serviceLookup = new ServiceLookup(servicesVersion);
        this.timeout = timeout;
        this.classifier = new CauseClassifier(requestResponseUdp);
        this.deadlines = new FlowDeadlines(retention, timersPerRecord);
        this.graceMicros = grace.toNanos() / 1000;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.ctx = context;
        if (!inBudget) { // a revived task is initialised again: it counts once
            decodedBudget.join();
            inBudget = true;
        }
        this.flows = new FlowCache(context.getStateStore(StoreNames.FLOWS), decodedBudget);
        this.anomalies = context.getStateStore(StoreNames.ANOMALIES);
        this.services = context.getStateStore(StoreNames.SERVICES_GLOBAL);
        serviceLookup.init(services);
        serviceNames.clear();
        this.facts = context.getStateStore(StoreNames.NODE_FACTS_GLOBAL);
        this.gaps = context.getStateStore(StoreNames.NODE_GAPS);
        partials.init(context.getStateStore(StoreNames.SERVICE_PARTIALS));
        CommitHook hook = context.getStateStore(StoreNames.FLOW_COMMIT_HOOK);
        hook.listen("flows", flows);
        hook.listen("service-partials", partials);
        hook.listen("prompt-commits", promptCommits);
        promptCommits.init(context);
        this.judge = new UnrepliedJudge(timeout, classifier, anomalies, services, facts, gaps, this);
        this.partition = context.taskId().partition();
        this.maxEventTime = Long.MIN_VALUE;
        this.windowsHeld = false;
        counts.init();
        servicesTable.init();
        deadlines.rebuild(flows); // timers are derived from the flows' deadlines: read them back from the restored store
        context.schedule(Duration.ofMillis(250), PunctuationType.STREAM_TIME, t -> advance(1));
        // Timers left due after a jump of event time fire on the next records, or here if none come (a
        // replay's end): a few budgets a tick, each tick's work still far inside the transaction timeout.
        context.schedule(Duration.ofMillis(100), PunctuationType.WALL_CLOCK_TIME, t -> {
            if (deadlines.behind() || windowsHeld) {
                advance(CATCH_UP_BUDGETS);
            }
        });
    }

    @Override
    public void close() {
        if (flows != null) {
            flows.clear();
        }
        deadlines.clear();
        partials.clear();
        if (inBudget) {
            decodedBudget.leave();
            inBudget = false;
        }
    }

    @Override
    public void process(Record<FlowKey, ConntrackEvent> record) {
        ConntrackEvent e = record.value();
        if (e == null) {
            return;
        }
        long ts = micros(e);
        // Timers due before this record's time fire first, as they would have live.
        maxEventTime = Math.max(maxEventTime, ts);
        long watermark = maxEventTime - graceMicros;
        deadlines.fireDue(watermark, flows, this);
        EventType type = e.getType();
        if (type == EventType.GAP) {
            // A reply timer judges by the node's latest gap (UnrepliedJudge): this one must not hide an
            // earlier one from timers that came due before it. Loss is rare; a backlog of timers rarer.
            deadlines.fireAllDue(watermark, flows, this);
            gaps.put(e.getNode(), ts);
            return;
        }
        if (type == EventType.HEARTBEAT || type == EventType.UNKNOWN || e.getOriginal() == null || e.getReply() == null) {
            return;
        }
        FlowKey key = record.key() != null ? record.key() : FlowKey.of(e);
        deadlines.fireDueOf(key, watermark, flows, this);
        FlowState st = flows.load(key);
        NodeView v = st == null ? null : FlowViews.find(st, e.getNode());
        Admission admission = Admission.of(st, v, type, e.getConntrackId(), ts);
        counts.beginEvent();
        switch (admission) {
            case IGNORE:
                return;
            case UPDATE_VIEW:
                if (NoOpEvents.changesNothing(st, v, e, ts)) {
                    return; // no write, no timer: the flow already says all this event says
                }
                break;
            case REUSED_TUPLE:
                counts.ended(st, ts); // the connection that held this tuple is over: a new one reuses it
                st = FlowViews.newFlow(st.getExpireAt());
                v = null;
                break;
            case NEW_FLOW:
                st = FlowViews.newFlow(0);
                break;
            default:
                break;
        }
        deadlines.changing(key, st);
        boolean created = v == null;
        if (created) {
            v = FlowViews.newView(e, ts, admission.origin(type));
            st.getViews().add(v);
            opened(key, st, v, e);
        }
        apply(key, st, v, e, ts, created);
        judge.judgeDeferred(key, st, ts);
        boolean settled = deadlines.scheduleExpiry(key, st);
        flows.save(key, st, settled);
    }

    /** A view's first sight: its reply timer, and the connection's NEW for the stats when it is the DNAT view. */
    private void opened(FlowKey key, FlowState st, NodeView v, ConntrackEvent e) {
        if (v.getOrigin() == ViewOrigin.ADOPTED) {
            return; // evidence for the other views only: never counted, never judged
        }
        NatKind nat = FlowViews.nat(v);
        if (nat.natted() && e.getFlags().contains(StatusFlag.UNREPLIED)) {
            deadlines.judgeAt(key, v, v.getFirstSeen() + timeout.micros(key.protocolNumber()));
        }
        if (nat.dnat() && st.getPrimary() == null) {
            st.setPrimary(v.getNode());
            ServiceNames.Names names = serviceNames.of(key.protocolNumber(), v.getOrigDst(), v.getOrigDport());
            ServiceEntry svc = serviceLookup.get(names.tableKey());
            st.setService(svc != null ? svc.getId() : names.address());
            st.setServiceAddress(names.address());
            counts.opened(key, st, v, v.getOrigin() == ViewOrigin.EVENT);
        }
    }

    /** What the event changes in its view: time, timeout, state, first reply, end. */
    private void apply(FlowKey key, FlowState st, NodeView v, ConntrackEvent e, long ts, boolean created) {
        boolean primary = v.getNode().equals(st.getPrimary());
        boolean unreplied = e.getFlags().contains(StatusFlag.UNREPLIED);
        String prevState = v.getState();
        v.setLastSeen(Math.max(v.getLastSeen(), ts));
        if (e.getTimeout() != null) {
            v.setTimeout(e.getTimeout());
        }
        if (e.getState() != null) {
            v.setState(e.getState());
        }
        if (!unreplied && v.getReplied() < 0) {
            onReply(key, st, v, ts, primary, e.getType());
        } else if (unreplied && v.getReplied() < 0 && FlowViews.nat(v).natted()) {
            FlowViews.addEvidence(v, e);
        }
        if (primary && !created && !v.getDestroyed() && !Objects.equals(prevState, v.getState())) {
            counts.stateChanged(st, ts, prevState, v.getState());
        }
        counts.endEvent(st);
        if (e.getType() == EventType.DESTROY && !v.getDestroyed()) {
            v.setDestroyed(true);
            if (primary) {
                counts.ended(st, ts);
            }
            if (FlowViews.awaitsJudgement(v)) {
                judge.judge(key, st, v, ts, AnomalyBuilder.Trigger.DESTROYED); // destroyed while still unreplied: judge now
            }
        }
    }

    private void onReply(FlowKey key, FlowState st, NodeView v, long ts, boolean primary, EventType type) {
        v.setReplied(ts);
        deadlines.replied(key, v);
        FlowViews.dropEvidence(v);
        if (primary && !st.getCountedReplied()) {
            st.setCountedReplied(true);
            counts.replied(st, ts, type == EventType.SNAPSHOT || v.getOrigin() != ViewOrigin.EVENT ? -1 : ts - v.getFirstSeen());
        }
        judge.replied(key, v, ts);
    }

    /** Fires due timers ({@code budgets} times a record's budget at most), then closes what the watermark passed. */
    private void advance(int budgets) {
        if (maxEventTime == Long.MIN_VALUE) {
            return;
        }
        long watermark = maxEventTime - graceMicros;
        deadlines.fireDue(watermark, flows, this);
        for (int i = 1; i < budgets && deadlines.behind(); i++) {
            deadlines.fireDue(watermark, flows, this);
        }
        long wm = deadlines.firedThrough(watermark); // no window closes ahead of a timer still due
        windowsHeld = wm < watermark; // closed by a later tick if no record moves stream time
        servicesTable.punctuate(wm, partition, flows, services, anomalies, this);
        for (ConnectionCounts.Sent m : counts.onWatermark(wm, partition)) {
            ctx.forward(new Record<>(m.key(), m.update(), Math.max(0, wm / 1000)));
        }
    }

    @Override
    public void replyTimeout(FlowKey key, FlowState st, NodeView v, long at) {
        judge.judge(key, st, v, at, AnomalyBuilder.Trigger.REPLY_TIMEOUT);
        flows.save(key, st);
    }

    /** An expiry timer fired: forget the flow if its time has come by now (events since may have extended it). */
    @Override
    public void expiryCheck(FlowKey key, FlowState st) {
        st.setExpireAt(0);
        long expiry = deadlines.expiry(st);
        if (expiry > maxEventTime - graceMicros) {
            deadlines.scheduleExpiry(key, st);
            flows.save(key, st);
            return;
        }
        for (NodeView v : st.getViews()) {
            if (FlowViews.awaitsJudgement(v)) {
                judge.judge(key, st, v, expiry, AnomalyBuilder.Trigger.EXPIRED); // deferred after a loss, never heard of again
            }
        }
        counts.ended(st, expiry);
        flows.forget(key);
    }

    /** Counts a connection change in its Service window's partial (sent when the window closes here). */
    @Override
    public void count(String service, ConnectionChange c) {
        counts.add(service, c);
    }

    @Override
    public void anomaly(String key, NatAnomaly a, long timestampMs) {
        ctx.forward(new Record<>(key, a, timestampMs));
        promptCommits.anomalyOut(maxEventTime);
    }

    private static long micros(ConntrackEvent e) {
        return e.getTimestamp().getEpochSecond() * 1_000_000 + e.getTimestamp().getNano() / 1000;
    }
}
