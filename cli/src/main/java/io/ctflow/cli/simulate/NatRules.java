package io.ctflow.cli.simulate;

import io.ctflow.net.Addresses;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A node's {@code nat-NODE.txt}: kube-proxy's iptables-mode rules as {@code iptables-save -t nat}
 * prints them (chains and rules sorted by chain name), followed by a second {@code *nat} table as
 * {@code ip6tables-save -t nat} prints the IPv6 Services. Chain names are kube-proxy's own: the
 * first 16 base32 characters of the SHA-256 of the service port name and protocol (and endpoint).
 * Multi-endpoint Services balance with {@code -m statistic --mode random --probability} like
 * kube-proxy, printed as iptables-save prints the kernel's fixed-point value.
 */
final class NatRules {
    private NatRules() {}

    /** The rules of every node (the fleet's nodes share them). */
    static String render(List<SimService> services) {
        StringBuilder sb = new StringBuilder(256 + services.size() * 600);
        table(sb, services, false);
        boolean anyV6 = services.stream().anyMatch(s -> s.ipv6);
        if (anyV6) {
            table(sb, services, true);
        }
        return sb.toString();
    }

    private static void table(StringBuilder sb, List<SimService> services, boolean ipv6) {
        // chain name -> its rules, sorted by name as iptables-save prints them
        Map<String, List<String>> chains = new TreeMap<>();
        List<String> portals = new ArrayList<>();
        for (SimService s : services) {
            if (s.ipv6 != ipv6) {
                continue;
            }
            String id = s.id();
            String proto = s.tcp() ? "tcp" : "udp";
            String svc = "KUBE-SVC-" + hash(id + proto);
            portals.add("-A KUBE-SERVICES -d " + Addresses.format(s.vip) + (ipv6 ? "/128" : "/32") + " -p " + proto
                + " -m comment --comment \"" + id + " cluster IP\" -m " + proto + " --dport " + s.port + " -j " + svc);
            List<String> balance = chains.computeIfAbsent(svc, k -> new ArrayList<>());
            int n = s.endpoints.size();
            for (int i = 0; i < n; i++) {
                String endpoint = Addresses.withPort(s.endpoints.get(i).address(ipv6), s.targetPort);
                String sep = "KUBE-SEP-" + hash(id + proto + endpoint);
                String statistic = i == n - 1 ? "" : " -m statistic --mode random --probability " + probability(n - i);
                balance.add("-A " + svc + " -m comment --comment \"" + id + " -> " + endpoint + "\"" + statistic + " -j " + sep);
                chains.computeIfAbsent(sep, k -> new ArrayList<>()).add("-A " + sep + " -p " + proto + " -m comment --comment \""
                    + id + "\" -m " + proto + " -j DNAT --to-destination " + endpoint);
            }
        }
        chains.put("KUBE-SERVICES", portals);
        sb.append("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n");
        for (String chain : chains.keySet()) {
            sb.append(':').append(chain).append(" - [0:0]\n");
        }
        sb.append("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
        sb.append("-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
        for (List<String> rules : chains.values()) {
            for (String rule : rules) {
                sb.append(rule).append('\n');
            }
        }
        sb.append("COMMIT\n");
    }

    /**
     * kube-proxy asks for 1/n; the kernel keeps round(p * 2^31) and iptables-save prints that back
     * with 11 decimals (1/3 shows as 0.33333333349).
     */
    static String probability(int n) {
        double kept = Math.round((1.0 / n) * 0x80000000L) / (double) 0x80000000L;
        return String.format(Locale.ROOT, "%.11f", kept);
    }

    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

    /** kube-proxy's portProtoHash: base32(sha256(text))[:16]. */
    static String hash(String text) {
        byte[] d;
        try {
            d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        // 16 characters of 5 bits are the first 10 bytes.
        StringBuilder out = new StringBuilder(16);
        long bits = 0;
        int have = 0;
        for (int i = 0; i < 10; i++) {
            bits = (bits << 8) | (d[i] & 0xff);
            have += 8;
            while (have >= 5) {
                out.append(BASE32[(int) (bits >>> (have - 5)) & 31]);
                have -= 5;
            }
        }
        return out.toString();
    }
}
