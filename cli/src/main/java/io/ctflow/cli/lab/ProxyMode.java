package io.ctflow.cli.lab;

import io.ctflow.config.UsageException;
import java.util.Locale;

/** Which kube-proxy dataplane the lab's nodes get ({@code ctflow lab --proxy-mode}). */
public enum ProxyMode {
    /** KUBE-SERVICES → KUBE-SVC-… → KUBE-SEP-… DNAT chains in the iptables nat table. */
    IPTABLES,
    /** A {@code table ip kube-proxy} with the {@code service-ips} verdict map, Service and endpoint chains. */
    NFTABLES;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the valid modes */
    public static ProxyMode of(String text) {
        for (ProxyMode m : values()) {
            if (m.label().equals(text)) {
                return m;
            }
        }
        throw new UsageException("unknown proxy mode '" + text + "' (iptables or nftables)");
    }
}
