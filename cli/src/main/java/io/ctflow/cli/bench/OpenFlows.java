package io.ctflow.cli.bench;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.streams.AppConfig;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The long-lived flows a latency row can hold open while it runs (production has ~1 M per node's
 * partition): ESTABLISHED connections through the paced workload's nodes and Services, with client
 * ports of their own, sent before the paced producer starts.
 */
final class OpenFlows {
    /** NEW, SYN_RECV and ESTABLISHED at this rate of event time; their TIME_WAIT and DESTROY would come a day later, after the row. */
    static final int RATE = 20_000;
    static final long LIFETIME_MICROS = 86_400_000_000L;
    /** The open flows' addresses and ports are those of connections from here on: past any paced workload's, so no key is shared. */
    static final long FIRST_IDENTITY = 60_000_000L;
    static final long MAX = 50_000_000L;
    /** The timeout a NEW line prints ({@link KernelLines}): its flow's first expiry check is this + flow.reap-slack later. */
    private static final long NEW_TIMEOUT_SECONDS = 120;

    private OpenFlows() {}

    /**
     * When the open flows' event time must end, for a row starting at {@code nowMicros}: long enough
     * before that the one expiry check of each (due its NEW's 120 s timeout + flow.reap-slack after it;
     * the next one is flow.max-age on) comes at the warm-up's heartbeat, before the timed part. Sent in a
     * burst, their checks are all due within seconds of one another, a wave that a steady rate of
     * long-lived connections spreads; timed, it stalled the row's last anomalies 3-5 s (BENCHMARKS.md,
     * nineteenth round).
     */
    static long endBefore(AppConfig config, long nowMicros) {
        return nowMicros - (NEW_TIMEOUT_SECONDS + config.flowReapSlack().toSeconds() + 10) * 1_000_000L;
    }

    /** {@code n} long-lived connections whose last ESTABLISHED is at {@code endMicros}, through the same nodes and Services as {@code shape}. */
    static Workload workload(Workload shape, long n, long endMicros) {
        if (n < 1 || n > MAX || shape.connections() > FIRST_IDENTITY
                || FIRST_IDENTITY + n > shape.distinctIdentities()) {
            throw new IllegalArgumentException("open flows 1-" + MAX + " beside at most " + FIRST_IDENTITY
                    + " paced connections; got " + n + " and " + shape.connections());
        }
        long span = (n - 1) * 1_000_000L / RATE + Workload.ESTABLISHED_MICROS;
        return new Workload("latency-open-flows", shape.nodes(), shape.services(), RATE, LIFETIME_MICROS, 0, n,
                endMicros - span);
    }

    /**
     * Sends the open flows' events (and their nodes' heartbeats) up to the last ESTABLISHED, as fast
     * as the producer takes them; {@code sequence} goes on into the paced workload. Returns the events sent.
     */
    static long send(Publisher pub, Workload open, long[] sequence, Progress progress) {
        long sent = eachEvent(open, sequence, e -> BenchCluster.send(pub, e), n -> progress.say("latency: sent %,d events of %,d open flows", n, open.connections()));
        pub.flush();
        return sent;
    }

    /** The open flows' events in time order up to the last ESTABLISHED, each to {@code send}; every millionth count to {@code million}. */
    static long eachEvent(Workload open, long[] sequence, Consumer<ConntrackEvent> send, LongConsumer million) {
        long last = open.newAt(open.connections() - 1) + Workload.ESTABLISHED_MICROS;
        WorkloadEvents events = new WorkloadEvents(open, FIRST_IDENTITY, sequence);
        long n = 0;
        while (events.hasNext() && events.step().micros <= last) { // hasNext() moved step() to the coming event
            send.accept(events.next());
            if (++n % 1_000_000 == 0) {
                million.accept(n);
            }
        }
        return n;
    }
}
