package io.ctflow.collector.live;

import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.parse.IptablesNatParser;
import io.ctflow.collector.parse.ServiceKeys;
import io.ctflow.collector.parse.ServiceYamlParser;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a node's Services: kube-proxy / DNAT rules from {@code iptables-save -t nat} (and
 * {@code ip6tables-save -t nat} when installed), plus an optional YAML file for hosts without
 * kube-proxy. A rule-derived entry wins over a YAML one with the same key.
 */
public final class ServicesReader {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final NodeAccess access;
    private final Path yaml;

    /** What was read. {@code natText} is the IPv4 {@code iptables-save -t nat} output (null without iptables). */
    public record Reading(List<ServiceEntry> services, String natText, List<String> problems) {}

    public ServicesReader(NodeAccess access, Path yaml) {
        this.access = access;
        this.yaml = yaml;
    }

    /**
     * Reads everything once. Tools that are missing or fail are reported in {@code problems}
     * (the caller logs each kind once); a YAML file that does not parse is an
     * {@link IllegalArgumentException}.
     */
    public Reading read(String node, Instant now) throws IOException, InterruptedException {
        Map<String, ServiceEntry> byKey = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        String nat = null;
        if (access.find("iptables-save") == null) {
            problems.add("iptables-save not found: Service NAT rules are not read (apt-get install iptables)");
        } else {
            NodeAccess.Result r = access.run(access.command("iptables-save", "-t", "nat"), TIMEOUT);
            if (r.ok()) {
                nat = r.stdout();
                add(byKey, IptablesNatParser.parse(nat, node, now));
            } else {
                problems.add("iptables-save -t nat: " + r.error());
            }
        }
        if (access.find("ip6tables-save") != null) {
            NodeAccess.Result r = access.run(access.command("ip6tables-save", "-t", "nat"), TIMEOUT);
            if (r.ok()) {
                add(byKey, IptablesNatParser.parse(r.stdout(), node, now));
            } else if (!r.stderr().contains("does not exist") && !r.stderr().contains("Table does not exist")) {
                problems.add("ip6tables-save -t nat: " + r.error());
            }
        }
        if (yaml != null) {
            try {
                add(byKey, ServiceYamlParser.read(yaml, node, now));
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IllegalArgumentException("services YAML not found: " + yaml);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage(), e); // names the file and line
            }
        }
        return new Reading(new ArrayList<>(byKey.values()), nat, problems);
    }

    private static void add(Map<String, ServiceEntry> byKey, List<ServiceEntry> entries) {
        for (ServiceEntry e : entries) {
            byKey.putIfAbsent(ServiceKeys.key(e), e);
        }
    }
}
