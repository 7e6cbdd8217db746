package io.ctflow.cli.simulate;

import io.ctflow.avro.Protocol;
import io.ctflow.net.Addresses;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A Service port of the fleet: cluster IP, protocol, port, and its endpoints (pods and target port). */
final class SimService {
    /** How its clients talk: TCP request/response, UDP request/response (DNS-like), UDP stream. */
    enum Kind { TCP, UDP_REQUEST_RESPONSE, UDP_STREAM }

    final int index;
    final String namespace;
    final String name;
    final String portName;
    final Kind kind;
    final boolean ipv6;
    final byte[] vip;
    final byte[] vipText;
    final int port;
    final int targetPort;
    final List<SimPod> endpoints;

    SimService(int index, String namespace, String name, String portName, Kind kind, boolean ipv6, byte[] vip, int port,
               int targetPort, List<SimPod> endpoints) {
        this.index = index;
        this.namespace = namespace;
        this.name = name;
        this.portName = portName;
        this.kind = kind;
        this.ipv6 = ipv6;
        this.vip = vip;
        this.vipText = Addresses.format(vip).getBytes(StandardCharsets.US_ASCII);
        this.port = port;
        this.targetPort = targetPort;
        this.endpoints = List.copyOf(endpoints);
    }

    /** kube-proxy's service port name, the Service id the streams app reports: ns/name:port. */
    String id() {
        return namespace + "/" + name + ":" + portName;
    }

    boolean tcp() {
        return kind == Kind.TCP;
    }

    Protocol protocol() {
        return kind == Kind.TCP ? Protocol.TCP : Protocol.UDP;
    }

    boolean hasEndpointOn(int node) {
        for (SimPod p : endpoints) {
            if (p.node == node) {
                return true;
            }
        }
        return false;
    }
}
