package io.ctflow.cli.bench;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.cli.bench.Workload.Kind;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.ParseException;
import io.ctflow.collector.publish.Sink;
import java.time.Instant;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A workload's events as its nodes' collectors produce them: each kernel line parsed by that node's
 * {@link ConntrackLineParser}, heartbeats as the collector's markers (the caller sends those to
 * every partition), each with the node's next sequence number.
 */
final class WorkloadEvents implements Iterator<ConntrackEvent> {
    private final Workload w;
    private final Workload.Steps steps;
    private final KernelLines lines;
    private final ConntrackLineParser[] parsers;
    private final long[] sequence;
    private boolean ready;
    private boolean more;

    WorkloadEvents(Workload w) {
        this(w, 0, new long[w.nodes()]);
    }

    /**
     * Connection {@code c} as connection {@code firstIdentity + c} (see {@link KernelLines}), and each
     * node's sequence numbers continuing from {@code sequence} (updated as events are made), so a
     * second workload sent after a first reads as the same collectors going on, not restarted ones.
     */
    WorkloadEvents(Workload w, long firstIdentity, long[] sequence) {
        if (sequence.length != w.nodes()) {
            throw new IllegalArgumentException("one sequence number per node: " + w.nodes() + ", got " + sequence.length);
        }
        this.w = w;
        this.steps = w.steps();
        this.lines = new KernelLines(w, firstIdentity);
        this.parsers = new ConntrackLineParser[w.nodes()];
        this.sequence = sequence;
        for (int n = 0; n < w.nodes(); n++) {
            parsers[n] = new ConntrackLineParser(w.node(n), false);
        }
    }

    /** The step behind the event last returned by {@link #next()}. */
    Workload.Steps step() {
        return steps;
    }

    @Override
    public boolean hasNext() {
        if (!ready) {
            more = steps.next();
            ready = true;
        }
        return more;
    }

    @Override
    public ConntrackEvent next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ready = false;
        if (steps.kind == Kind.HEARTBEAT) {
            int n = (int) steps.connection;
            return Sink.markerEvent(EventType.HEARTBEAT, w.node(n), micros(steps.micros), ++sequence[n]);
        }
        int n = lines.node(steps.connection);
        try {
            return parsers[n].parse(lines.line(steps.kind, steps.connection, steps.micros).toString(), Instant.EPOCH, ++sequence[n]);
        } catch (ParseException e) {
            throw new IllegalStateException("the bench rendered a line the parser rejects: " + e.getMessage(), e);
        }
    }

    static Instant micros(long micros) {
        return Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000);
    }
}
