/**
 * Parsers of what the collector reads from a node or a capture: conntrack lines
 * ({@link io.ctflow.collector.parse.ConntrackLineParser}), {@code conntrack -S}/{@code -C}
 * ({@link io.ctflow.collector.parse.ConntrackStatsParser}), node facts
 * ({@link io.ctflow.collector.parse.CaptureFacts}), Services from each kube-proxy dataplane —
 * iptables ({@link io.ctflow.collector.parse.IptablesNatParser}), nftables
 * ({@link io.ctflow.collector.parse.NftKubeProxyParser}), IPVS ({@link io.ctflow.collector.parse.IpvsParser}),
 * together in {@link io.ctflow.collector.parse.DataplaneServices} — and Service YAML
 * ({@link io.ctflow.collector.parse.ServiceYamlParser}), plus Service keys
 * ({@link io.ctflow.collector.parse.ServiceKeys}).
 *
 * <p>Pure functions of their input, no I/O except the explicit {@code read(Path, ...)} helpers and
 * no logging. The per-line parser throws the checked {@link io.ctflow.collector.parse.ParseException}
 * (a bad line goes to the dead-letter topic); the whole-file parsers throw
 * {@link java.lang.IllegalArgumentException} naming the line or entry.
 */
package io.ctflow.collector.parse;
