package io.ctflow.collector.filter;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.parse.ConntrackEntry;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.Collection;
import java.util.Objects;

/**
 * {@code only.services}: a node ships only the conntrack entries a Service of its current Services
 * table could have touched ({@link ServiceTraffic}); the others are counted in
 * {@code ctflow_events_dropped_total{reason="not_service"}} and not sent. Until the first table has
 * been given nothing is dropped (the collector gives only readings that list a Service). Each new
 * table swaps in a new immutable {@link ServiceTraffic} (one volatile read per entry, no lock), so the
 * events thread and the snapshot thread judge against whole tables only. Markers (HEARTBEAT, GAP)
 * never come here: they always pass. Thread-safe.
 */
public final class OnlyServices {
    /** The setting off: keeps everything, counts nothing. */
    public static final OnlyServices OFF = new OnlyServices(false, null);

    private final boolean on;
    private final CounterDataPoint dropped;
    private volatile ServiceTraffic table;

    private OnlyServices(boolean on, CounterDataPoint dropped) {
        this.on = on;
        this.dropped = dropped;
    }

    /** A filter that counts what it drops in {@code dropped}. */
    public static OnlyServices counting(CounterDataPoint dropped) {
        return new OnlyServices(true, Objects.requireNonNull(dropped, "dropped"));
    }

    public boolean on() {
        return on;
    }

    /** Follows a new reading of the node's Services table (the complete current set). */
    public void servicesRead(Collection<ServiceEntry> services) {
        if (on) {
            table = ServiceTraffic.of(services);
        }
    }

    /** The table in use, null before the first reading (and when off). */
    public ServiceTraffic table() {
        return table;
    }

    /** Whether to ship this parsed line; a line not shipped is counted. */
    public boolean keeps(ConntrackEntry e) {
        ServiceTraffic t = table;
        if (t == null || t.touches(e)) {
            return true;
        }
        dropped.inc();
        return false;
    }

    /** Whether to ship this event (a replayed capture's); a marker always passes. */
    public boolean keeps(ConntrackEvent e) {
        ServiceTraffic t = table;
        if (t == null || t.touches(e)) {
            return true;
        }
        dropped.inc();
        return false;
    }
}
