package io.ctflow.collector.live;

import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.parse.DataplaneNotice;
import io.ctflow.collector.parse.DataplaneServices;
import io.ctflow.collector.parse.IpvsParser;
import io.ctflow.collector.parse.ServiceKeys;
import io.ctflow.collector.parse.ServiceYamlParser;
import io.ctflow.config.UsageException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a node's Services from its kube-proxy dataplane ({@link ServicesMode}): in AUTO mode the
 * nftables table {@code ip kube-proxy} wins, then IPVS virtual servers, then iptables NAT rules;
 * the choice is made again at every read, so a node that changes mode is followed. An optional YAML
 * file adds Services for hosts without kube-proxy; a dataplane entry wins over a YAML one with the
 * same key.
 */
public final class ServicesReader {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    static final String IP_VS = "/proc/net/ip_vs";

    private final NodeTools tools;
    private final Path yaml;
    private final ServicesMode mode;

    /**
     * What was read, and the raw outputs for a capture.
     *
     * @param mode     the dataplane used ({@link ServicesMode#label}: iptables, nftables, ipvs, yaml), null when none could be read
     * @param rules    rules (or IPVS servers) read from it
     * @param natText  {@code iptables-save -t nat} output (IPv4), or null
     * @param nftJson  {@code nft -j list table ip kube-proxy} (then the ip6 table's), or null
     * @param ipvsText {@code ipvsadm -Ln} or /proc/net/ip_vs, or null
     * @param notice   why conntrack may not show this node's Service connections ({@link DataplaneNotice}), or null
     */
    public record Reading(List<ServiceEntry> services, String mode, int rules, String natText, String nftJson,
                          String ipvsText, List<String> problems, String notice) {}

    public ServicesReader(NodeAccess access, Path yaml) {
        this(NodeTools.of(access, TIMEOUT), yaml, ServicesMode.AUTO);
    }

    public ServicesReader(NodeTools tools, Path yaml, ServicesMode mode) {
        if (mode == ServicesMode.YAML && yaml == null) {
            throw new UsageException("--services-from yaml needs --services-yaml FILE");
        }
        this.tools = tools;
        this.yaml = yaml;
        this.mode = mode;
    }

    /**
     * Reads everything once. Tools that are missing or fail are reported in {@code problems}
     * (the caller logs each kind once); a YAML file that does not parse is an
     * {@link IllegalArgumentException}, as is dataplane output that does not parse.
     */
    public Reading read(String node, Instant now) throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        ServicesMode used = mode;
        String nftJson = null;
        String ipvs = null;
        String nat = null;
        String nat6 = null;
        if (mode == ServicesMode.AUTO || mode == ServicesMode.NFTABLES) {
            nftJson = nftTables(problems, mode == ServicesMode.NFTABLES);
            if (nftJson != null) {
                used = ServicesMode.NFTABLES;
            }
        }
        if (used == ServicesMode.AUTO || used == ServicesMode.IPVS) {
            ipvs = ipvsTable(problems, mode == ServicesMode.IPVS);
            if (ipvs != null && (mode == ServicesMode.IPVS || IpvsParser.hasServices(ipvs))) {
                used = ServicesMode.IPVS;
            } else {
                ipvs = null;
            }
        }
        if (used == ServicesMode.AUTO) {
            used = ServicesMode.IPTABLES;
        }
        if (used == ServicesMode.IPTABLES || used == ServicesMode.IPVS) {
            // in IPVS mode only for names: its KUBE-SERVICES rules may carry them
            nat = iptablesSave("iptables-save", problems, used == ServicesMode.IPTABLES);
            nat6 = iptablesSave("ip6tables-save", problems, false);
        }
        String natAll = nat == null ? nat6 : nat6 == null ? nat : nat + "\n" + nat6;
        DataplaneServices d = DataplaneServices.parse(natAll, nftJson, ipvs, node, now);
        Map<String, ServiceEntry> byKey = new LinkedHashMap<>();
        add(byKey, d.services());
        if (yaml != null) {
            try {
                add(byKey, ServiceYamlParser.read(yaml, node, now));
            } catch (java.nio.file.NoSuchFileException e) {
                throw new UsageException("services YAML not found: " + yaml);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage(), e); // names the file and line
            }
        }
        boolean nothingRead = nat == null && nat6 == null && nftJson == null && ipvs == null;
        String usedLabel = used == ServicesMode.YAML || (nothingRead && yaml != null) ? ServicesMode.YAML.label()
                : nothingRead ? null : used.label();
        return new Reading(new ArrayList<>(byKey.values()), usedLabel, d.rules(), nat, nftJson,
                ipvs, problems, DataplaneNotice.of(natAll, d.mode()));
    }

    /** kube-proxy's nftables tables as JSON (ip, then ip6 when present), or null when there is no {@code ip kube-proxy} table. */
    private String nftTables(List<String> problems, boolean required) throws IOException, InterruptedException {
        NodeAccess.Result r = tools.run("nft", "-j", "list", "table", "ip", "kube-proxy");
        if (r == null) {
            if (required) {
                problems.add("nft not found: kube-proxy's nftables rules are not read (apt-get install nftables)");
            }
            return null;
        }
        if (!r.ok()) {
            if (required) {
                problems.add("nft -j list table ip kube-proxy: " + r.error() + " (is kube-proxy running in nftables mode?)");
            }
            return null;
        }
        NodeAccess.Result r6 = tools.run("nft", "-j", "list", "table", "ip6", "kube-proxy");
        return r6 != null && r6.ok() ? r.stdout().strip() + "\n" + r6.stdout() : r.stdout();
    }

    /**
     * {@code ipvsadm -Ln} (else /proc/net/ip_vs itself) when /proc/net/ip_vs exists; null when it
     * does not. ipvsadm is not run without it: it would {@code modprobe ip_vs} on a node that does
     * not use IPVS.
     */
    private String ipvsTable(List<String> problems, boolean required) throws IOException, InterruptedException {
        String proc = tools.read(IP_VS);
        if (proc == null) {
            if (required) {
                problems.add(IP_VS + " does not exist (the ip_vs module is not loaded): IPVS Services are not read");
            }
            return null;
        }
        NodeAccess.Result r = tools.run("ipvsadm", "-Ln");
        if (r != null && r.ok()) {
            return r.stdout();
        }
        if (r != null && required) {
            problems.add("ipvsadm -Ln: " + r.error() + " (read " + IP_VS + " instead)");
        }
        return proc;
    }

    /**
     * {@code TOOL -t nat}, followed by {@code TOOL -t filter} when kube-proxy's chains are there and
     * that works: kube-proxy rejects traffic to a Service without endpoints there (the nat table has
     * no rule for it).
     */
    private String iptablesSave(String tool, List<String> problems, boolean required) throws IOException, InterruptedException {
        String nat = iptablesSaveNat(tool, problems, required);
        if (nat == null || !nat.contains("KUBE-SERVICES")) {
            return nat; // no kube-proxy: no REJECT rules to look for, and one process less per read
        }
        NodeAccess.Result filter = tools.run(tool, "-t", "filter");
        return filter != null && filter.ok() && !filter.stdout().isBlank() ? nat.strip() + "\n" + filter.stdout() : nat;
    }

    private String iptablesSaveNat(String tool, List<String> problems, boolean required) throws IOException, InterruptedException {
        NodeAccess.Result r = tools.run(tool, "-t", "nat");
        if (r == null) {
            if (required && tool.equals("iptables-save")) {
                problems.add("iptables-save not found: Service NAT rules are not read (apt-get install iptables)");
            }
            return null;
        }
        if (r.ok()) {
            return r.stdout();
        }
        if (required || !(r.stderr().contains("does not exist") || r.stderr().contains("Table does not exist"))) {
            problems.add(tool + " -t nat: " + r.error());
        }
        return null;
    }

    private static void add(Map<String, ServiceEntry> byKey, List<ServiceEntry> entries) {
        for (ServiceEntry e : entries) {
            byKey.putIfAbsent(ServiceKeys.key(e), e);
        }
    }
}
