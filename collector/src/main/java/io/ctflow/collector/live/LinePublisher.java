package io.ctflow.collector.live;

import io.ctflow.avro.DeadLetter;
import io.ctflow.collector.filter.OnlyServices;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.ConntrackEntry;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.ParseException;
import io.ctflow.collector.publish.Sink;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Parses conntrack lines (events and snapshot entries alike) and hands them to the sink with the
 * node's next sequence number; a line that does not parse becomes a dead letter, and one that
 * {@link OnlyServices} does not keep is counted there and takes no sequence number. The live
 * collector's path for every line it reads (events and table dumps); public so that
 * {@code ctflow bench} measures this very path.
 */
public final class LinePublisher {
    private static final int MAX_RAW = 64 * 1024;

    private final String node;
    private final ConntrackLineParser parser;
    private final Sink sink;
    private final CollectorMetrics metrics;
    private final OnlyServices filter;
    private final AtomicLong sequence = new AtomicLong();

    public LinePublisher(String node, boolean keepRaw, Sink sink, CollectorMetrics metrics) {
        this(node, keepRaw, sink, metrics, OnlyServices.OFF);
    }

    public LinePublisher(String node, boolean keepRaw, Sink sink, CollectorMetrics metrics, OnlyServices filter) {
        this.node = node;
        this.parser = new ConntrackLineParser(node, keepRaw);
        this.sink = sink;
        this.metrics = metrics;
        this.filter = filter;
    }

    /** The last sequence number given (markers carry it). */
    long sequence() {
        return sequence.get();
    }

    /** Parses and sends one line; whether it was sent (it parsed, and the filter kept it). */
    public boolean publish(String line, String source, long lineNo, Instant now) {
        ConntrackEntry e;
        try {
            e = parser.parseEntry(line, now);
        } catch (ParseException ex) {
            metrics.deadLetters.inc();
            byte[] raw = line.getBytes(StandardCharsets.UTF_8);
            sink.deadLetter(DeadLetter.newBuilder().setNode(node).setSource(source).setPosition(lineNo)
                    .setReason(ex.reason()).setRaw(ByteBuffer.wrap(raw, 0, Math.min(raw.length, MAX_RAW)))
                    .setTimestamp(now).build());
            return false;
        }
        if (!filter.keeps(e)) {
            return false;
        }
        sink.entry(e, sequence.incrementAndGet());
        return true;
    }
}
