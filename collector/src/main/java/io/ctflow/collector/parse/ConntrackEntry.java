package io.ctflow.collector.parse;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.L3Protocol;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.StatusFlag;
import java.time.Instant;

/**
 * One parsed conntrack line as the parser holds it, before it becomes a {@link ConntrackEvent}:
 * the fields the event would get, absent values as -1 (every numeric field of a line is
 * non-negative) instead of null. It lets the collector write an event's key and Avro bytes
 * straight from the parse, without the event's objects (the tuples, their buffers and boxed
 * numbers were a fifth of the collector's caller thread).
 *
 * <p>A view of the parsing thread's reused state: valid only on that thread and only until its
 * next parse; {@link #toEvent} makes the lasting event. Byte arrays are not to be modified.
 */
public interface ConntrackEntry {
    /** Absent value of a numeric field. */
    int NONE = -1;

    String node();

    EventType type();

    /** The line's own timestamp, or the fallback the parse was given. */
    Instant timestamp();

    /** Conntrack id, or {@link #NONE}. */
    long conntrackId();

    /** The zone (zone=, else zone-orig=, else zone-reply=, else 0). */
    int zone();

    long mark();

    L3Protocol l3();

    Protocol protocol();

    int protocolNumber();

    /** Protocol state, or null. */
    String state();

    /** Timeout, or {@link #NONE} (always on DESTROY). */
    long timeout();

    /** The original direction. */
    Side original();

    /** The reply direction. */
    Side reply();

    int flagCount();

    StatusFlag flag(int i);

    /** use=, or {@link #NONE}. */
    int use();

    String secctx();

    String labels();

    /** The raw line when the parser keeps it, else null. */
    String raw();

    /** The event of this entry with {@code sequence}; equal to what {@link ConntrackLineParser#parse} returns. */
    ConntrackEvent toEvent(long sequence);

    /** One direction's tuple; absent numbers are {@link #NONE}. */
    interface Side {
        /** Length of both addresses: 4 or 16. */
        int addressLength();

        /** The source address in the first {@link #addressLength()} bytes (a reused array). */
        byte[] src();

        /** The destination address in the first {@link #addressLength()} bytes (a reused array). */
        byte[] dst();

        int srcPort();

        int dstPort();

        int icmpType();

        int icmpCode();

        int icmpId();

        long packets();

        long bytes();
    }
}
