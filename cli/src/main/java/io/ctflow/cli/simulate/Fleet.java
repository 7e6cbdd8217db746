package io.ctflow.cli.simulate;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The simulated cluster: nodes {@code node-001…} each with its own pod networks (IPv4
 * {@code 10.(64+i/256).(i%256).0/24}, IPv6 {@code fd00:10:244:i::/64}) on bridge {@code cni0},
 * dual-stack pods on every node, and Services with cluster IPs in 10.96.0.0/12 (IPv6:
 * fd00:96::/112) whose 1–3 endpoints are spread over the nodes. A share of the Services is UDP
 * (DNS-like request/response on port 53, and streams), a share IPv6. The nodes chosen for
 * REPLY_BYPASSED_CONNTRACK anomalies run with bridge-nf-call-iptables=0.
 */
final class Fleet {
    static final int MAX_NODES = 8000; // pod /24s stay below the cluster IP range 10.96.0.0/12
    static final int MAX_SERVICES = 100_000;
    private static final int MAX_PODS_PER_NODE = 190;

    final List<SimNode> nodes;
    final List<SimService> services;
    final List<SimService> tcpServices = new ArrayList<>();
    final List<SimService> udpRequestResponse = new ArrayList<>();
    final List<SimService> udpStreams = new ArrayList<>();
    final List<SimNode> bypassNodes = new ArrayList<>();

    private Fleet(List<SimNode> nodes, List<SimService> services) {
        this.nodes = nodes;
        this.services = services;
        for (SimService s : services) {
            (s.kind == SimService.Kind.TCP ? tcpServices
                : s.kind == SimService.Kind.UDP_REQUEST_RESPONSE ? udpRequestResponse : udpStreams).add(s);
        }
        for (SimNode n : nodes) {
            if (!n.bridgeNf) {
                bypassNodes.add(n);
            }
        }
    }

    /**
     * @param withBypassNodes whether some nodes get bridge-nf-call-iptables=0 (only with anomalies,
     *                        and only when other nodes remain)
     */
    static Fleet build(int nodeCount, int serviceCount, long skewMicros, boolean withBypassNodes, SplittableRandom r) {
        boolean[] bypass = new boolean[nodeCount];
        List<Integer> bypassIndexes = new ArrayList<>();
        if (withBypassNodes && nodeCount >= 2) {
            int count = Math.max(1, Math.round(nodeCount * 0.02f));
            while (bypassIndexes.size() < count) {
                int i = r.nextInt(nodeCount);
                if (!bypass[i]) {
                    bypass[i] = true;
                    bypassIndexes.add(i);
                }
            }
        }
        int width = Math.max(3, Integer.toString(nodeCount).length());
        int podsPerNode = (int) Math.min(MAX_PODS_PER_NODE, 4 + (2L * serviceCount + nodeCount - 1) / nodeCount);
        List<SimNode> nodes = new ArrayList<>(nodeCount);
        for (int i = 0; i < nodeCount; i++) {
            int n = i + 1;
            byte[] v4 = {10, (byte) (64 + n / 256), (byte) (n % 256), 0};
            byte[] v6 = new byte[16];
            v6[0] = (byte) 0xfd;
            v6[3] = 0x10;
            v6[4] = 0x02;
            v6[5] = 0x44;
            v6[6] = (byte) (n >>> 8);
            v6[7] = (byte) n;
            // Drawn even without skew, so that --skew changes only the timestamps.
            long skew = Math.round((2 * r.nextDouble() - 1) * skewMicros);
            String name = "node-" + "0".repeat(Math.max(0, width - Integer.toString(n).length())) + n;
            SimNode node = new SimNode(i, name, v4, v6, skew, !bypass[i]);
            for (int p = 0; p < podsPerNode; p++) {
                SimPod pod = new SimPod(i, "veth" + String.format("%08x", r.nextInt()), node.host(false, 2 + p),
                    node.host(true, 2 + p));
                pod.ports.start(r.nextInt(1 << 16));
                pod.icmpIds.start(r.nextInt(1 << 16));
                node.pods.add(pod);
            }
            nodes.add(node);
        }
        List<SimService> services = new ArrayList<>(serviceCount);
        int namespaces = Math.max(1, Math.min(20, serviceCount / 5));
        for (int k = 0; k < serviceCount; k++) {
            services.add(service(k, namespaces, nodes, bypassIndexes, r));
        }
        return new Fleet(List.copyOf(nodes), List.copyOf(services));
    }

    private static SimService service(int k, int namespaces, List<SimNode> nodes, List<Integer> bypass, SplittableRandom r) {
        String namespace = k == 0 ? "kube-system" : "ns-" + (k % namespaces);
        String name = k == 0 ? "kube-dns" : "svc-" + k;
        SimService.Kind kind = k == 0 || k % 10 == 3 ? SimService.Kind.UDP_REQUEST_RESPONSE
            : k % 10 == 7 ? SimService.Kind.UDP_STREAM : SimService.Kind.TCP;
        String portName;
        int port;
        int targetPort;
        switch (kind) {
            case UDP_REQUEST_RESPONSE -> {
                portName = "dns";
                port = 53;
                targetPort = 53;
            }
            case UDP_STREAM -> {
                portName = "media";
                port = 5000 + k % 100;
                targetPort = port;
            }
            default -> {
                switch (k % 3) {
                    case 0 -> { portName = "http"; port = 80; targetPort = 8080; }
                    case 1 -> { portName = "https"; port = 443; targetPort = 8443; }
                    default -> { portName = "grpc"; port = 9090; targetPort = 9090; }
                }
            }
        }
        boolean ipv6 = k % 8 == 5;
        int host = 10 + k;
        byte[] vip;
        if (ipv6) {
            vip = new byte[16];
            vip[0] = (byte) 0xfd;
            vip[3] = (byte) 0x96;
        } else {
            vip = new byte[] {10, 96, 0, 0};
        }
        vip[vip.length - 3] |= (byte) (host >>> 16);
        vip[vip.length - 2] = (byte) (host >>> 8);
        vip[vip.length - 1] = (byte) host;
        int count = k == 0 ? 2 : 1 + r.nextInt(3);
        List<SimPod> endpoints = new ArrayList<>(count);
        // Bypass anomalies need Services with an endpoint on a bypass node: kube-dns and the first TCP one.
        if (!bypass.isEmpty() && (k == 0 || k == 1)) {
            endpoints.add(randomPod(nodes.get(bypass.get(k == 0 ? 0 : bypass.size() - 1)), r));
        }
        int attempts = 0;
        while (endpoints.size() < count && attempts++ < 100) {
            SimPod p = randomPod(nodes.get(r.nextInt(nodes.size())), r);
            if (!endpoints.contains(p)) {
                endpoints.add(p);
            }
        }
        return new SimService(k, namespace, name, portName, kind, ipv6, vip, port, targetPort, endpoints);
    }

    private static SimPod randomPod(SimNode node, SplittableRandom r) {
        return node.pods.get(r.nextInt(node.pods.size()));
    }
}
