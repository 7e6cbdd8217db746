package io.ctflow.collector.live;

import io.ctflow.avro.CpuStats;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.collector.CollectorException;
import io.ctflow.collector.filter.OnlyServices;
import io.ctflow.collector.filter.ServiceTraffic;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.parse.ConntrackStatsParser;
import io.ctflow.collector.publish.Sink;
import io.ctflow.collector.record.CaptureWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the collector tells about its node on timers: HEARTBEAT markers, stats ({@code conntrack -S},
 * {@code -C}, nf_conntrack_max and the loss counters), node facts and Services (the sink sends them
 * only when changed), and the extra files of a capture.
 */
final class NodeReports {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NodeReports.class);
    static final Duration TOOL_TIMEOUT = Duration.ofSeconds(20);

    private final String node;
    private final String conntrack;
    private final NodeAccess access;
    private final Sink sink;
    private final CaptureWriter recorder;
    private final CollectorMetrics metrics;
    private final LinePublisher lines;
    private final RunState state;
    private final FactsReader factsReader;
    private final ServicesReader servicesReader;
    private final OnlyServices filter;
    /** The dataplane the last successful Services read used (NodeFacts.proxyMode); only the facts thread writes it. */
    private volatile String proxyMode;

    NodeReports(LiveOptions options, NodeAccess access, Sink sink, CaptureWriter recorder, CollectorMetrics metrics,
                LinePublisher lines, RunState state, OnlyServices filter) {
        this.node = options.node();
        this.conntrack = options.conntrack();
        this.access = access;
        this.sink = sink;
        this.recorder = recorder;
        this.metrics = metrics;
        this.lines = lines;
        this.state = state;
        this.factsReader = new FactsReader(access, options.podCidrs());
        this.servicesReader = new ServicesReader(NodeTools.of(access, TOOL_TIMEOUT), options.servicesYaml(), options.servicesFrom());
        this.filter = filter;
    }

    void heartbeat() {
        sink.checkHealthy();
        sink.marker(EventType.HEARTBEAT, node, state.now(), lines.sequence());
        if (recorder != null) {
            recorder.flush();
        }
    }

    void publishStats() throws IOException, InterruptedException {
        Instant now = state.now();
        NodeAccess.Result s = access.run(access.command(conntrack, "-S"), TOOL_TIMEOUT);
        List<CpuStats> cpus = List.of();
        if (s.ok()) {
            cpus = ConntrackStatsParser.parse(s.stdout());
        } else {
            ToolProcesses.checkToolError(s.stderr());
            state.logOnce("conntrack -S failed: " + s.error());
        }
        Long count = null;
        NodeAccess.Result c = access.run(access.command(conntrack, "-C"), TOOL_TIMEOUT);
        if (c.ok()) {
            count = ConntrackStatsParser.parseCount(c.stdout());
        } else {
            state.logOnce("conntrack -C failed: " + c.error());
        }
        String maxPath = NodeAccess.sysctlPath("net.netfilter.nf_conntrack_max");
        Map<String, String> files = access.readFiles(List.of(maxPath), TOOL_TIMEOUT);
        Long max = null;
        if (files.containsKey(maxPath)) {
            try {
                max = Long.parseLong(files.get(maxPath));
            } catch (NumberFormatException e) {
                state.logOnce("nf_conntrack_max is not a number: " + files.get(maxPath));
            }
        }
        // every loss is one GAP marker: both counts come from the one counter
        long lost = CollectorMetrics.value(metrics.lostEvents);
        sink.stats(new NodeStats(node, now, count, max, cpus, lost, lost));
    }

    /** Reads Services, then facts; at start-up a Services file the user got wrong stops the collector. */
    void readFactsAndServices(boolean startup) {
        Instant now = state.now();
        // Services first: the facts say which dataplane they came from
        ServicesReader.Reading services = null;
        try {
            services = servicesReader.read(node, now);
            services.problems().forEach(state::logOnce);
            if (services.notice() != null) {
                state.logOnce(services.notice());
            }
            if (services.mode() != null) {
                proxyMode = services.mode();
                metrics.serviceSource(services.mode(), services.rules());
            }
        } catch (IllegalArgumentException e) {
            if (startup) {
                throw CollectorException.user(e.getMessage());
            }
            state.logOnce("Services not updated: " + e.getMessage());
        } catch (IOException e) {
            state.logOnce("reading Services: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            NodeFacts f = factsReader.read(node, now);
            f.setProxyMode(proxyMode);
            f.setDataplaneNotice(services == null ? null : services.notice());
            sink.facts(f);
            if (recorder != null) {
                recorder.facts(f);
            }
        } catch (IOException e) {
            state.logOnce("reading node facts: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (services != null) {
            followServices(services);
            sink.services(node, services.services(), now);
            if (recorder != null) {
                recorder.nat(services.natText());
                recorder.nftJson(services.nftJson());
                recorder.ipvs(services.ipvsText());
            }
        }
    }

    /**
     * Gives a reading to the only-services filter. A reading without any Service (no dataplane could
     * be read, or iptables-save failed while ip6tables-save worked) is not taken for a table: a node
     * with kube-proxy always has the {@code default/kubernetes} Service, so the filter keeps the
     * table it has, or goes on dropping nothing.
     */
    private void followServices(ServicesReader.Reading services) {
        if (!filter.on()) {
            return;
        }
        if (services.services().isEmpty()) {
            state.logOnce("only.services: no Service could be read" + (filter.table() == null
                    ? "; no entry is dropped until a reading lists one" : "; the last table read stays in use"));
            return;
        }
        boolean first = filter.table() == null;
        filter.servicesRead(services.services());
        if (first) {
            ServiceTraffic t = filter.table();
            LOG.info("only.services: sending only the entries DNATed or to one of the {} Services' {} addresses and endpoints;"
                    + " the table follows every reading", t.services(), t.addresses());
        }
    }

    /** {@code conntrack -S} for the capture ("" when it fails). */
    String statsText() {
        try {
            NodeAccess.Result s = access.run(access.command(conntrack, "-S"), TOOL_TIMEOUT);
            if (!s.ok()) {
                ToolProcesses.checkToolError(s.stderr());
                state.logOnce("conntrack -S failed: " + s.error());
            }
            return s.stdout();
        } catch (IOException e) {
            state.logOnce("conntrack -S: " + e.getMessage());
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** {@code conntrack -C} for the capture ("" when it fails: the capture then has no count). */
    String countText() {
        try {
            NodeAccess.Result c = access.run(access.command(conntrack, "-C"), TOOL_TIMEOUT);
            if (!c.ok()) {
                state.logOnce("conntrack -C failed: " + c.error());
                return "";
            }
            return c.stdout();
        } catch (IOException e) {
            state.logOnce("conntrack -C: " + e.getMessage());
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** /proc/net/nf_conntrack into the capture, when the kernel has it. */
    void recordProc() throws IOException, InterruptedException {
        String path = "/proc/net/nf_conntrack";
        if (access.netns() == null) {
            if (Files.isReadable(Path.of(path))) {
                recorder.proc(Files.readString(Path.of(path)));
            } else {
                state.logOnce(path + " does not exist (kernel without CONFIG_NF_CONNTRACK_PROCFS): no proc file recorded");
            }
            return;
        }
        NodeAccess.Result r = access.run(access.command("cat", path), TOOL_TIMEOUT);
        if (r.ok()) {
            recorder.proc(r.stdout());
        } else {
            state.logOnce(path + ": " + r.error() + ": no proc file recorded");
        }
    }
}
