package io.ctflow.collector.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ctflow.avro.Bridge;
import io.ctflow.avro.BridgePort;
import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.NodeStats;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.collector.CollectorConfig;
import io.ctflow.collector.metrics.CollectorMetrics;
import io.ctflow.collector.publish.Publisher;
import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.flow.FlowKey;
import io.ctflow.net.Addresses;
import io.ctflow.schemas.Topics;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.schemas.serde.AvroSerdes;
import io.ctflow.testing.Poll;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live collector on the real kernel: a node namespace with a bridge {@code cni0} and two veth
 * "pods" (client 10.244.1.2, server 10.244.1.3) in namespaces of their own, kube-proxy-style DNAT
 * 10.96.0.10:80 → 10.244.1.3:8080 in the node namespace, the collector on {@code --netns NODE}
 * publishing to an embedded broker and registry, three bounded TCP connections from the client pod
 * to the Service. Everything happens inside namespaces this test creates (and deletes); sysctls
 * are set inside the node namespace only. Runs as root with ip, iptables, conntrack and python3;
 * otherwise skipped with the reason.
 */
class RealKernelIT {
    static final String VIP = "10.96.0.10";
    static final String BACKEND = "10.244.1.3";
    static final int CONNECTIONS = 3;

    final long pid = ProcessHandle.current().pid();
    final String node = "ctft-" + pid + "-n1";
    final String client = "ctft-" + pid + "-c";
    final String server = "ctft-" + pid + "-s";
    final List<String> created = new ArrayList<>();
    final List<Process> processes = new ArrayList<>();

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void collectsNatEventsFactsAndServicesFromANodeNamespace() throws Exception {
        assumeTrue(isRoot(), "skipped: needs root (network namespaces, conntrack netlink); running as uid " + uid());
        for (String tool : List.of("ip", "iptables", "iptables-restore", "iptables-save", "conntrack")) {
            assumeTrue(onPath(tool) != null, "skipped: '" + tool + "' is not on the PATH (apt-get install iproute2 iptables conntrack)");
        }
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : onPath("python3");
        assumeTrue(python != null, "skipped: python3 is not on the PATH (the test's TCP server and client)");

        Thread hook = new Thread(this::cleanUp, "ctft-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        ExecutorService pool = Executors.newCachedThreadPool();
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().port(0).build().start();
             RegistryServer registry = RegistryServer.start("127.0.0.1", 0)) {
            boolean brNetfilter = buildLab();

            CollectorConfig config = CollectorConfig.of(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                    "schema.registry.url", registry.url(), "topic.prefix", "kernel.", "topic.partitions", "3"));
            Topics topics = config.topics();
            CollectorMetrics metrics = new CollectorMetrics();
            try (Publisher publisher = config.connect(metrics);
                 EventsReader reader = new EventsReader(kafka.bootstrapServers(), registry.url(), topics.events())) {
                LiveCollector collector = new LiveCollector(new LiveOptions().node(node).netns(node)
                        .heartbeat(Duration.ofMillis(500)).statsInterval(Duration.ofSeconds(1)).factsInterval(Duration.ofSeconds(2)),
                        publisher, null, metrics);
                Future<LiveCollector.Summary> run = pool.submit(collector::run);
                try {
                    assertTrue(collector.awaitStarted(Duration.ofSeconds(20)), "collector started");
                    assertFalse(run.isDone(), () -> "collector stopped: " + collector.fatalError());

                    Process srv = start(List.of("ip", "netns", "exec", server, "timeout", "40", python, "-c", SERVER));
                    Path log = tmp.resolve("server.log");
                    Poll.until(Duration.ofSeconds(10), () -> Files.exists(log) && Files.readString(log).contains("ready"),
                            () -> "server listening: " + (srv.isAlive() ? "" : "exited ") + log);
                    for (int i = 0; i < CONNECTIONS; i++) {
                        connectThroughService(python);
                    }
                    assertTrue(srv.waitFor(10, TimeUnit.SECONDS), "server served " + CONNECTIONS + " connections");

                    // NEW and UPDATEs of every connection, as the node's conntrack saw them (DNATed)
                    Poll.until(Duration.ofSeconds(15), () -> flows(reader.poll()).size() == CONNECTIONS
                            && flows(reader.events()).values().stream().allMatch(t -> t.contains(EventType.NEW) && t.contains(EventType.UPDATE)),
                            () -> "NEW+UPDATE of " + CONNECTIONS + " flows: " + flows(reader.events()));
                    // DESTROY: TIME_WAIT is 1 s in the node namespace, but the kernel reaps expired entries lazily
                    // (its GC may wait up to a minute). A table dump evicts expired entries at once, so dump until
                    // the DESTROYs come; past a deadline delete the entries (conntrack -D, also a DESTROY event).
                    boolean natural = waitForDestroys(reader, Duration.ofSeconds(15));
                    if (!natural) {
                        run(List.of("ip", "netns", "exec", node, "conntrack", "-D", "-p", "tcp", "--orig-dst", VIP), true);
                        Poll.until(Duration.ofSeconds(10), () -> destroyed(reader) == CONNECTIONS,
                                () -> "DESTROY after conntrack -D: " + flows(reader.events()));
                    }
                    System.out.println("RealKernelIT: DESTROY " + (natural ? "on expiry" : "forced with conntrack -D")
                            + "; br_netfilter " + (brNetfilter ? "on (pods bridged)" : "missing (pods routed)"));

                    for (ConntrackEvent e : reader.events()) {
                        if (isServiceFlow(e)) {
                            assertEquals(node, e.getNode());
                            assertEquals(FlowKey.of(e).text(), "tcp," + BACKEND + ":8080," + Addresses.format(e.getReply().getDst()) + ":"
                                    + e.getReply().getDstPort());
                        }
                    }
                    assertEquals(0, collector.lostEvents(), "no loss");

                    // facts, Services and stats of the node, heartbeats to every partition
                    Deserializer<NodeFacts> factsDe = AvroSerdes.specific(NodeFacts.class, Map.of("schema.registry.url", registry.url()), false).deserializer();
                    List<NodeFacts> facts = readAll(kafka.bootstrapServers(), topics.nodeFacts(), factsDe);
                    assertFalse(facts.isEmpty(), "node facts published");
                    NodeFacts f = facts.get(facts.size() - 1);
                    assertEquals(node, f.getNode());
                    assertEquals("1", f.getSysctls().get("net.ipv4.ip_forward"));
                    if (brNetfilter) {
                        assertEquals("1", f.getSysctls().get("net.bridge.bridge-nf-call-iptables"));
                    }
                    assertEquals(List.of("10.244.1.0/24"), f.getPodCidrs());
                    Bridge cni0 = f.getBridges().stream().filter(b -> b.getName().equals("cni0")).findFirst().orElseThrow();
                    assertEquals(List.of("10.244.1.1/24"), cni0.getAddresses());
                    assertEquals(List.of("veth-c", "veth-s"), cni0.getPorts().stream().map(BridgePort::getName).toList());
                    assertTrue(cni0.getPorts().stream().noneMatch(BridgePort::getHairpinMode));

                    Deserializer<ServiceEntry> svcDe = AvroSerdes.specific(ServiceEntry.class, Map.of("schema.registry.url", registry.url()), false).deserializer();
                    List<ServiceEntry> services = readAll(kafka.bootstrapServers(), topics.services(), svcDe);
                    ServiceEntry web = services.stream().filter(s -> s.getId().equals("default/web:http")).findFirst().orElseThrow();
                    assertEquals(VIP, Addresses.format(web.getVip()));
                    assertEquals(80, web.getPort());
                    assertEquals(1, web.getEndpoints().size());
                    assertEquals(BACKEND, Addresses.format(web.getEndpoints().get(0).getAddress()));
                    assertEquals(8080, web.getEndpoints().get(0).getPort());
                    assertEquals("iptables", web.getSource());

                    Deserializer<NodeStats> statsDe = AvroSerdes.specific(NodeStats.class, Map.of("schema.registry.url", registry.url()), false).deserializer();
                    List<NodeStats> stats = readAll(kafka.bootstrapServers(), topics.nodeStats(), statsDe);
                    assertFalse(stats.isEmpty());
                    assertTrue(stats.get(0).getCpus().size() >= 1);

                    Set<Integer> hbPartitions = new TreeSet<>(reader.heartbeatPartitions());
                    assertEquals(Set.of(0, 1, 2), hbPartitions, "heartbeats on every partition");
                } finally {
                    collector.stop();
                    run.get(20, TimeUnit.SECONDS);
                }
            }
        } finally {
            pool.shutdownNow();
            cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down
            }
        }
    }

    // ---- the lab ----

    static final String SERVER = String.join("\n",
            "import socket",
            "s = socket.socket()",
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('0.0.0.0', 8080))",
            "s.listen(8)",
            "print('ready', flush=True)",
            "s.settimeout(30)",
            "for i in range(" + CONNECTIONS + "):",
            "    c, a = s.accept()",
            "    c.settimeout(5)",
            "    c.recv(64)",
            "    c.sendall(b'ok')",
            "    c.close()");

    static final String CLIENT = String.join("\n",
            "import socket, sys",
            "s = socket.create_connection(('" + VIP + "', 80), timeout=5)",
            "s.sendall(b'hi')",
            "r = s.recv(16)",
            "s.close()",
            "sys.exit(0 if r == b'ok' else 3)");

    /** Builds node, client and server namespaces; returns whether br_netfilter's sysctl exists in the node namespace. */
    private boolean buildLab() throws Exception {
        for (String ns : List.of(node, client, server)) {
            int code = run(List.of("ip", "netns", "add", ns), false);
            assumeTrue(code == 0 || !created.isEmpty(), "skipped: cannot create network namespaces here (ip netns add failed)");
            assertEquals(0, code, "ip netns add " + ns);
            created.add(ns);
        }
        ip(node, "link", "set", "lo", "up");
        ip(node, "link", "add", "cni0", "type", "bridge");
        ip(node, "addr", "add", "10.244.1.1/24", "dev", "cni0");
        ip(node, "link", "set", "cni0", "up");
        boolean brNetfilter = run(List.of("ip", "netns", "exec", node, "test", "-e", "/proc/sys/net/bridge/bridge-nf-call-iptables"), true) == 0;
        Map<String, String> pods = new LinkedHashMap<>();
        pods.put(client, "10.244.1.2");
        pods.put(server, BACKEND);
        for (Map.Entry<String, String> pod : pods.entrySet()) {
            String veth = pod.getKey().equals(client) ? "veth-c" : "veth-s";
            ip(node, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", pod.getKey());
            ip(node, "link", "set", veth, "master", "cni0");
            ip(node, "link", "set", veth, "up");
            ip(pod.getKey(), "link", "set", "lo", "up");
            ip(pod.getKey(), "link", "set", "eth0", "up");
            if (brNetfilter) {
                ip(pod.getKey(), "addr", "add", pod.getValue() + "/24", "dev", "eth0");
                ip(pod.getKey(), "route", "add", "default", "via", "10.244.1.1");
            } else {
                // without br_netfilter a bridged reply would bypass conntrack: route everything through the node
                ip(pod.getKey(), "addr", "add", pod.getValue() + "/32", "dev", "eth0");
                ip(pod.getKey(), "route", "add", "10.244.1.1", "dev", "eth0");
                ip(pod.getKey(), "route", "add", "default", "via", "10.244.1.1");
            }
        }
        // sysctls of the node namespace only
        List<String> sysctls = new ArrayList<>(List.of("net.ipv4.ip_forward=1", "net.netfilter.nf_conntrack_tcp_timeout_time_wait=1"));
        if (brNetfilter) {
            sysctls.add("net.bridge.bridge-nf-call-iptables=1");
        }
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", node, "sysctl", "-q", "-w"));
        cmd.addAll(sysctls);
        run(cmd);
        Path rules = tmp.resolve("nat.rules");
        Files.writeString(rules, String.join("\n",
                "*nat",
                ":PREROUTING ACCEPT [0:0]",
                ":INPUT ACCEPT [0:0]",
                ":OUTPUT ACCEPT [0:0]",
                ":POSTROUTING ACCEPT [0:0]",
                ":KUBE-SERVICES - [0:0]",
                ":KUBE-SVC-WEB4XQ2ZP7LMN3KD - [0:0]",
                ":KUBE-SEP-WEB4XQ2ZP7LMN3KD - [0:0]",
                "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
                "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
                "-A KUBE-SERVICES -d " + VIP + "/32 -p tcp -m comment --comment \"default/web:http cluster IP\" -m tcp --dport 80 -j KUBE-SVC-WEB4XQ2ZP7LMN3KD",
                "-A KUBE-SVC-WEB4XQ2ZP7LMN3KD -m comment --comment \"default/web:http -> " + BACKEND + ":8080\" -j KUBE-SEP-WEB4XQ2ZP7LMN3KD",
                "-A KUBE-SEP-WEB4XQ2ZP7LMN3KD -p tcp -m comment --comment \"default/web:http\" -m tcp -j DNAT --to-destination " + BACKEND + ":8080",
                "COMMIT", ""), StandardCharsets.UTF_8);
        run(List.of("ip", "netns", "exec", node, "iptables-restore", rules.toString()));
        return brNetfilter;
    }

    private void connectThroughService(String python) throws Exception {
        int code = run(List.of("ip", "netns", "exec", client, "timeout", "10", python, "-c", CLIENT), false);
        assertEquals(0, code, "client connection through " + VIP + ":80");
    }

    private void ip(String ns, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    /** The program looked up on PATH plus the sbin directories (a non-login PATH may lack them). */
    static List<String> resolved(List<String> cmd) {
        List<String> out = new ArrayList<>(cmd);
        String p = onPath(cmd.get(0));
        if (p != null) {
            out.set(0, p);
        }
        return out;
    }

    private Process start(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(resolved(cmd)).redirectErrorStream(true).redirectOutput(tmp.resolve("server.log").toFile()).start();
        synchronized (processes) {
            processes.add(p);
        }
        return p;
    }

    private void run(List<String> cmd) throws Exception {
        int code = run(cmd, false);
        assertEquals(0, code, String.join(" ", cmd));
    }

    /** Runs a command (bounded to 20 s); returns its exit code; output goes to the test log. */
    private int run(List<String> cmd, boolean quiet) throws Exception {
        Process p = new ProcessBuilder(resolved(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0 && !quiet) { // quiet: failures are expected
            System.out.println("RealKernelIT: " + String.join(" ", cmd) + " -> " + p.exitValue() + ": " + out);
        }
        return p.exitValue();
    }

    /** Kills what the test started and deletes its namespaces (idempotent; also the JVM shutdown hook). */
    private synchronized void cleanUp() {
        synchronized (processes) {
            for (Process p : processes) {
                p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            processes.clear();
        }
        for (String ns : created) {
            try {
                // processes left inside (none expected) would keep it alive: kill them first
                Process pids = new ProcessBuilder("ip", "netns", "pids", ns).redirectErrorStream(true).start();
                String out = new String(pids.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                pids.waitFor(5, TimeUnit.SECONDS);
                for (String l : out.split("\\s+")) {
                    if (l.matches("\\d+")) {
                        ProcessHandle.of(Long.parseLong(l)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
                Process del = new ProcessBuilder("ip", "netns", "del", ns).redirectErrorStream(true).start();
                del.getInputStream().readAllBytes();
                del.waitFor(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.out.println("RealKernelIT: cleaning up " + ns + ": " + e);
            }
        }
        created.clear();
    }

    // ---- checks ----

    static boolean isServiceFlow(ConntrackEvent e) {
        return e.getOriginal() != null && VIP.equals(Addresses.format(e.getOriginal().getDst()))
                && Integer.valueOf(80).equals(e.getOriginal().getDstPort())
                && BACKEND.equals(Addresses.format(e.getReply().getSrc())) && Integer.valueOf(8080).equals(e.getReply().getSrcPort());
    }

    /** Event types per Service flow (by flow key), kernel events only. */
    static Map<FlowKey, Set<EventType>> flows(List<ConntrackEvent> events) {
        Map<FlowKey, Set<EventType>> out = new HashMap<>();
        for (ConntrackEvent e : events) {
            if (isServiceFlow(e) && e.getType() != EventType.SNAPSHOT) {
                out.computeIfAbsent(FlowKey.of(e), k -> new TreeSet<>()).add(e.getType());
            }
        }
        return out;
    }

    static long destroyed(EventsReader reader) {
        return flows(reader.poll()).values().stream().filter(t -> t.contains(EventType.DESTROY)).count();
    }

    private boolean waitForDestroys(EventsReader reader, Duration timeout) throws Exception {
        return Poll.holds(timeout, () -> {
            if (destroyed(reader) == CONNECTIONS) {
                return true;
            }
            run(List.of("ip", "netns", "exec", node, "conntrack", "-L", "-p", "tcp", "--orig-dst", VIP), true);
            return false;
        });
    }

    static <T> List<T> readAll(String bootstrap, String topic, Deserializer<T> de) throws Exception {
        List<T> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : io.ctflow.collector.testing.TopicReader.readAll(bootstrap, topic, Duration.ofSeconds(20))) {
            if (r.value() != null) {
                out.add(de.deserialize(r.topic(), r.value()));
            }
        }
        return out;
    }

    /** Reads the events topic as it grows. */
    static final class EventsReader implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Deserializer<ConntrackEvent> de;
        private final List<ConntrackEvent> events = new ArrayList<>();
        private final Set<Integer> heartbeatPartitions = new TreeSet<>();

        EventsReader(String bootstrap, String registry, String topic) {
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(20))) {
                parts.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            de = AvroSerdes.specific(ConntrackEvent.class, Map.of("schema.registry.url", registry), false).deserializer();
        }

        List<ConntrackEvent> poll() {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                ConntrackEvent e = de.deserialize(r.topic(), r.value());
                if (e.getType() == EventType.HEARTBEAT) {
                    heartbeatPartitions.add(r.partition());
                } else {
                    events.add(e);
                }
            }
            return events;
        }

        List<ConntrackEvent> events() {
            return events;
        }

        Set<Integer> heartbeatPartitions() {
            poll();
            return heartbeatPartitions;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    // ---- environment ----

    static String uid() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Uid:")) {
                    return l.split("\\s+")[1];
                }
            }
        } catch (IOException e) {
            // unknown
        }
        return "?";
    }

    static boolean isRoot() {
        return uid().equals("0");
    }

    static String onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin" + File.pathSeparator + "/sbin";
        for (String d : path.split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return Path.of(d, tool).toString();
            }
        }
        return null;
    }
}
