package io.ctflow.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ctflow.testing.Captures;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Static checks of the deployment files: docker-compose.yml, deploy/docker/*.Dockerfile and
 * deploy/kubernetes/*.yaml. No Docker engine or cluster is needed; when the docker-compose binary
 * (Debian package {@code docker-compose}) or kubectl is installed, they validate the files offline
 * too.
 */
class DeploymentFilesTest {
    static final Path REPO = Captures.root().getParent().getParent();
    static final Path COMPOSE = REPO.resolve("docker-compose.yml");
    static final Path DOCKER_DIR = REPO.resolve("deploy/docker");
    static final Path K8S_DIR = REPO.resolve("deploy/kubernetes");
    static final String PART_OF = "app.kubernetes.io/part-of";
    static final String NAME = "app.kubernetes.io/name";

    // ---------------------------------------------------------------- docker-compose.yml

    @Test
    void composeHasTheFourServices() {
        assertEquals(Set.of("kafka", "schema-registry", "streams-app", "collector"), services().keySet());
    }

    @Test
    void kafkaIsASingleNodeKraftBrokerWithHostAndNetworkListeners() {
        Map<String, Object> kafka = service("kafka");
        assertTrue(str(kafka.get("image")).matches("apache/kafka:4\\.\\d+\\.\\d+"), "apache/kafka 4.x image: " + kafka.get("image"));
        Map<String, String> env = env(kafka);
        assertTrue(env.containsKey("KAFKA_NODE_ID"), "KAFKA_NODE_ID");
        assertEquals(Set.of("broker", "controller"), csv(env.get("KAFKA_PROCESS_ROLES")));
        Map<String, String> listeners = listeners(env.get("KAFKA_LISTENERS"));
        assertEquals(":9092", listeners.get("PLAINTEXT"), "PLAINTEXT listener on :9092");
        assertEquals(":9093", listeners.get("CONTROLLER"), "CONTROLLER listener on :9093");
        assertEquals("CONTROLLER", env.get("KAFKA_CONTROLLER_LISTENER_NAMES"));
        assertTrue(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS").matches(env.get("KAFKA_NODE_ID") + "@kafka:9093"),
                "this node is the single voter: " + env.get("KAFKA_CONTROLLER_QUORUM_VOTERS"));
        for (String rf : List.of("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")) {
            assertEquals("1", env.get(rf), rf + " on a single broker");
        }
        assertEquals("false", env.get("KAFKA_AUTO_CREATE_TOPICS_ENABLE"));
        Map<String, String> advertised = listeners(env.get("KAFKA_ADVERTISED_LISTENERS"));
        assertEquals(listeners.keySet().stream().filter(l -> !l.equals("CONTROLLER")).collect(Collectors.toSet()),
                advertised.keySet(), "every client listener is advertised");
        Set<String> protocolMapped = csv(env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP")).stream()
                .map(p -> p.substring(0, p.indexOf(':'))).collect(Collectors.toSet());
        assertTrue(protocolMapped.containsAll(listeners.keySet()), "security protocol for every listener");
        assertNotNull(kafka.get("healthcheck"), "kafka healthcheck");
        assertTrue(publishedPorts(kafka).contains(9092), "9092 published for the host-network collector");
    }

    @Test
    void schemaRegistryTalksToKafkaAndHasAHealthcheck() {
        Map<String, Object> sr = service("schema-registry");
        assertTrue(str(sr.get("image")).startsWith("confluentinc/cp-schema-registry:7."), "cp-schema-registry 7.x");
        Map<String, String> env = env(sr);
        String store = env.get("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS");
        assertNotNull(store, "SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS");
        assertTrue(kafkaAdvertised().contains(store.replaceFirst("^[A-Z]+://", "")),
                "registry bootstrap " + store + " is one of kafka's advertised listeners " + kafkaAdvertised());
        assertTrue(publishedPorts(sr).contains(8081), "8081 published");
        assertTrue(String.valueOf(map(sr.get("healthcheck")).get("test")).contains("/subjects"), "healthcheck on /subjects");
    }

    @Test
    void streamsAppIsBuiltAndConfiguredForTheComposeNetwork() {
        Map<String, Object> app = service("streams-app");
        assertEquals("deploy/docker/streams-app.Dockerfile", map(app.get("build")).get("dockerfile"));
        Map<String, String> env = env(app);
        String bootstrap = env.get("CTFLOW_BOOTSTRAP_SERVERS");
        assertNotNull(bootstrap, "CTFLOW_BOOTSTRAP_SERVERS");
        assertTrue(kafkaAdvertised().contains(bootstrap), bootstrap + " is one of kafka's advertised listeners " + kafkaAdvertised());
        assertTrue(env.get("CTFLOW_SCHEMA_REGISTRY_URL").contains("schema-registry:8081"), "registry URL");
        assertEquals("0.0.0.0", env.get("CTFLOW_HTTP_HOST"));
        assertTrue(publishedPorts(app).contains(7070), "7070 published");
        // The state directory is on a declared named volume.
        String stateDir = env.get("CTFLOW_STATE_DIR");
        assertNotNull(stateDir, "CTFLOW_STATE_DIR");
        Set<String> declared = map(compose().get("volumes")).keySet();
        assertTrue(list(app.get("volumes")).stream().map(String::valueOf)
                        .anyMatch(v -> v.endsWith(":" + stateDir) && declared.contains(v.substring(0, v.indexOf(':')))),
                "a named volume at " + stateDir + ": " + app.get("volumes"));
        Map<String, Object> dependsOn = map(app.get("depends_on"));
        for (String dep : List.of("kafka", "schema-registry")) {
            assertEquals("service_healthy", map(dependsOn.get(dep)).get("condition"), "streams-app waits for healthy " + dep);
        }
    }

    @Test
    void collectorUsesTheHostNetworkAndOnlyNetAdmin() {
        Map<String, Object> c = service("collector");
        assertEquals("deploy/docker/collector.Dockerfile", map(c.get("build")).get("dockerfile"));
        assertEquals("host", c.get("network_mode"));
        assertEquals(List.of("NET_ADMIN"), c.get("cap_add"), "cap_add exactly [NET_ADMIN]");
        assertNotEquals(Boolean.TRUE, c.get("privileged"), "not privileged");
        assertFalse(c.containsKey("ports"), "ports mean nothing with network_mode: host");
        Map<String, String> env = env(c);
        // Set from the caller's NODE_NAME; an empty value makes the collector use the host name.
        String nodeName = env.get("NODE_NAME");
        assertTrue(nodeName != null && !nodeName.isBlank(), "NODE_NAME set (a value or ${NODE_NAME:-...}): " + nodeName);
        List<String> command = list(c.get("command")).stream().map(String::valueOf).toList();
        assertEquals("collect", command.get(0), "runs the collect command");
        // In the host's namespace the broker is the port kafka publishes on the host.
        String bootstrap = env.get("CTFLOW_BOOTSTRAP_SERVERS");
        assertNotNull(bootstrap, "collector CTFLOW_BOOTSTRAP_SERVERS");
        assertTrue(bootstrap.matches("(localhost|127\\.0\\.0\\.1):\\d+"), "host-side bootstrap: " + bootstrap);
        assertTrue(kafkaAdvertised().contains(bootstrap.replace("127.0.0.1", "localhost")),
                bootstrap + " is advertised by kafka: " + kafkaAdvertised());
        assertTrue(publishedPorts(service("kafka")).contains(Integer.parseInt(bootstrap.substring(bootstrap.indexOf(':') + 1))));
        assertTrue(env.getOrDefault("CTFLOW_SCHEMA_REGISTRY_URL", "").matches("http://(localhost|127\\.0\\.0\\.1):8081"),
                "host-side registry URL");
    }

    @Test
    void everyHealthyDependencyHasAHealthcheckAndEveryDockerfileExists() {
        Map<String, Object> services = services();
        services.forEach((name, s) -> {
            Object dependsOn = map(s).get("depends_on");
            if (dependsOn instanceof Map<?, ?> deps) {
                deps.forEach((dep, cond) -> {
                    assertTrue(services.containsKey(String.valueOf(dep)), name + " depends on unknown " + dep);
                    if ("service_healthy".equals(map(cond).get("condition"))) {
                        assertNotNull(map(services.get(String.valueOf(dep))).get("healthcheck"), dep + " needs a healthcheck");
                    }
                });
            }
            Object build = map(s).get("build");
            if (build != null) {
                Map<String, Object> b = map(build);
                Path context = REPO.resolve(str(b.getOrDefault("context", ".")));
                assertTrue(Files.isRegularFile(context.resolve(str(b.getOrDefault("dockerfile", "Dockerfile")))),
                        name + ": Dockerfile " + b.get("dockerfile") + " exists");
            }
        });
    }

    /** Offline validation with Compose itself, when it is installed (Debian package docker-compose). */
    @Test
    void composeConfigValidates() throws Exception {
        List<String> cmd;
        if (onPath("docker-compose").isPresent()) {
            cmd = List.of(onPath("docker-compose").get().toString(), "-f", COMPOSE.toString(), "config", "-q");
        } else if (onPath("docker").isPresent() && run(List.of("docker", "compose", "version"), 30).exit == 0) {
            cmd = List.of("docker", "compose", "-f", COMPOSE.toString(), "config", "-q");
        } else {
            assumeTrue(false, "neither docker-compose nor the docker compose plugin is installed "
                    + "(apt-get install docker-compose): docker-compose.yml checked by the YAML tests only");
            return;
        }
        Result r = run(cmd, 120);
        assertEquals(0, r.exit, String.join(" ", cmd) + " failed:\n" + r.output);
    }

    // ---------------------------------------------------------------- Dockerfiles

    @Test
    void dockerfilesBuildTheirModuleWithMavenAndRunItsJar() throws Exception {
        Map<String, String> modules = Map.of("collector.Dockerfile", "collector", "streams-app.Dockerfile", "streams-app");
        try (Stream<Path> files = Files.list(DOCKER_DIR)) {
            assertEquals(modules.keySet(), files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".Dockerfile")).collect(Collectors.toSet()));
        }
        List<String> reactor = rootModules();
        for (Map.Entry<String, String> e : modules.entrySet()) {
            String module = e.getValue();
            List<List<Instruction>> stages = stages(DOCKER_DIR.resolve(e.getKey()));
            String where = e.getKey() + ": ";
            assertTrue(stages.size() >= 2, where + "multi-stage");
            List<Instruction> build = stages.get(0);
            List<Instruction> runtime = stages.get(stages.size() - 1);
            assertTrue(build.get(0).args.matches("(?i)maven:3\\.9-eclipse-temurin-17\\s+AS\\s+build"), where + build.get(0).args);
            assertTrue(runtime.get(0).args.startsWith("eclipse-temurin:17-jre"), where + runtime.get(0).args);

            // Maven reads the whole reactor even with -pl: every module's pom is copied.
            Set<String> copied = new LinkedHashSet<>();
            for (Instruction i : build) {
                if (i.keyword.equals("COPY")) {
                    List<String> words = List.of(i.args.split("\\s+"));
                    for (String src : words.subList(0, words.size() - 1)) {
                        if (!src.startsWith("--")) {
                            assertTrue(Files.exists(REPO.resolve(src)), where + "COPY source " + src + " exists");
                            copied.add(src.replaceAll("/+$", "").replaceFirst("^\\./", ""));
                        }
                    }
                }
            }
            assertTrue(copied.contains("pom.xml") || copied.contains("."), where + "root pom copied");
            for (String m : reactor) {
                assertTrue(copied.contains(m + "/pom.xml") || copied.contains("."), where + m + "/pom.xml copied");
            }
            // ... and the sources of the module and of every module -am builds with it.
            for (String m : withUpstream(module)) {
                assertTrue(copied.contains(m + "/src") || copied.contains(m) || copied.contains("."), where + m + "/src copied");
            }
            String mvn = build.stream().filter(i -> i.keyword.equals("RUN") && i.args.contains(" package"))
                    .map(i -> i.args).findFirst().orElseThrow(() -> new AssertionError(where + "no mvn package"));
            assertTrue(mvn.matches("mvn .*-pl " + Pattern.quote(module) + " -am .*package.*") && mvn.contains("-DskipTests"),
                    where + mvn);

            // Runtime: the jar and lib/ side by side (the manifest's Class-Path is lib/...), run with java -jar.
            String jar = "/src/" + module + "/target/ctflow-" + module + "-0.1.0-SNAPSHOT.jar";
            String lib = "/src/" + module + "/target/lib";
            List<String> fromBuild = runtime.stream().filter(i -> i.keyword.equals("COPY") && i.args.startsWith("--from=build"))
                    .map(i -> i.args).toList();
            assertTrue(fromBuild.stream().anyMatch(a -> a.contains(jar)), where + "copies " + jar);
            assertTrue(fromBuild.stream().anyMatch(a -> a.contains(lib)), where + "copies " + lib);
            String entrypoint = last(runtime, "ENTRYPOINT").orElseThrow(() -> new AssertionError(where + "ENTRYPOINT"));
            assertTrue(entrypoint.matches("\\[\\s*\"java\",.*\"-jar\",\\s*\"/opt/ctflow/[^\"]+\\.jar\"\\s*]"), where + entrypoint);
            String target = entrypoint.replaceAll(".*\"(/opt/ctflow/[^\"]+\\.jar)\".*", "$1");
            assertTrue(fromBuild.stream().anyMatch(a -> a.contains(jar) && a.endsWith(target)), where + "the jar is copied to " + target);
            assertTrue(fromBuild.stream().anyMatch(a -> a.contains(lib) && a.matches(".*\\s/opt/ctflow/lib/?$")),
                    where + "lib/ sits beside the jar");
        }
    }

    @Test
    void streamsAppImageRunsAsNonRootAndCollectorAsRootWithItsTools() throws Exception {
        List<Instruction> streams = lastStage(DOCKER_DIR.resolve("streams-app.Dockerfile"));
        String user = last(streams, "USER").orElseThrow(() -> new AssertionError("streams-app image sets USER"));
        assertFalse(user.matches("(root|0)(:.*)?"), "streams-app USER is not root: " + user);
        assertTrue(user.matches("\\d+(:\\d+)?"), "numeric USER so runAsNonRoot can verify it: " + user);

        List<Instruction> collector = lastStage(DOCKER_DIR.resolve("collector.Dockerfile"));
        Optional<String> collectorUser = last(collector, "USER");
        assertTrue(collectorUser.isEmpty() || collectorUser.get().matches("(root|0)(:.*)?"),
                "the collector runs as root (with only NET_ADMIN): " + collectorUser);
        String apt = collector.stream().filter(i -> i.keyword.equals("RUN") && i.args.contains("apt-get install"))
                .map(i -> i.args).findFirst().orElseThrow(() -> new AssertionError("collector installs its tools"));
        assertTrue(apt.contains("--no-install-recommends"), apt);
        for (String pkg : List.of("conntrack", "iptables", "nftables", "ipvsadm", "iproute2")) {
            assertTrue(List.of(apt.split("\\s+")).contains(pkg), "collector image installs " + pkg);
        }
    }

    @Test
    void dockerignoreKeepsBuildOutputOutOfTheContext() throws IOException {
        List<String> lines = Files.readAllLines(REPO.resolve(".dockerignore"));
        assertTrue(lines.stream().map(String::trim).anyMatch(l -> l.matches("(\\*\\*/)?target/?")), "target excluded");
        assertTrue(lines.stream().map(String::trim).anyMatch(l -> l.matches("\\.git/?")), ".git excluded");
        for (String needed : List.of("pom.xml", "src", "testdata", "Dockerfile")) {
            assertFalse(lines.stream().map(String::trim).anyMatch(l -> l.equals(needed) || l.equals(needed + "/")),
                    needed + " must stay in the context");
        }
    }

    // ---------------------------------------------------------------- Kubernetes

    @Test
    void everyObjectIsLabelledAndInTheCtflowNamespace() {
        List<Map<String, Object>> objects = k8sObjects();
        assertFalse(objects.isEmpty());
        for (Map<String, Object> o : objects) {
            String id = o.get("kind") + "/" + map(o.get("metadata")).get("name");
            assertNotNull(o.get("apiVersion"), id + " apiVersion");
            Map<String, Object> labels = map(map(o.get("metadata")).get("labels"));
            assertTrue(labels.get(NAME) != null && !str(labels.get(NAME)).isBlank(), id + " has " + NAME);
            assertEquals("ctflow", labels.get(PART_OF), id + " has " + PART_OF + ": ctflow");
            if (!o.get("kind").equals("Namespace")) {
                assertEquals("ctflow", map(o.get("metadata")).get("namespace"), id + " namespace");
            }
            Map<String, Object> spec = map(o.get("spec"));
            if (spec.containsKey("template")) {
                Map<String, Object> podLabels = map(map(map(spec.get("template")).get("metadata")).get("labels"));
                assertEquals("ctflow", podLabels.get(PART_OF), id + " pod template " + PART_OF);
                map(map(spec.get("selector")).get("matchLabels")).forEach((k, v) ->
                        assertEquals(v, podLabels.get(k), id + ": selector " + k + " matches the pod template"));
            }
        }
        assertEquals(1, objects.stream().filter(o -> o.get("kind").equals("Namespace")).count());
    }

    @Test
    void collectorDaemonSetRunsOnEveryNodeInTheHostNetworkWithOnlyNetAdmin() {
        Map<String, Object> ds = single("DaemonSet");
        Map<String, Object> pod = podSpec(ds);
        assertEquals(Boolean.TRUE, pod.get("hostNetwork"));
        assertEquals("ClusterFirstWithHostNet", pod.get("dnsPolicy"));
        List<Object> tolerations = list(pod.get("tolerations"));
        assertTrue(tolerations.stream().map(DeploymentFilesTest::map)
                        .anyMatch(t -> "Exists".equals(t.get("operator")) && !t.containsKey("key") && !t.containsKey("effect")),
                "a toleration for every taint (operator: Exists, no key/effect): " + tolerations);
        Map<String, Object> c = onlyContainer(pod);
        Map<String, Object> sc = map(c.get("securityContext"));
        Map<String, Object> caps = map(sc.get("capabilities"));
        assertEquals(List.of("NET_ADMIN"), caps.get("add"));
        assertTrue(list(caps.get("drop")).contains("ALL"), "drop ALL");
        assertEquals(Boolean.FALSE, sc.get("allowPrivilegeEscalation"));
        assertNotEquals(Boolean.TRUE, sc.get("privileged"));
        assertNotEquals(Boolean.TRUE, pod.get("hostPID"));
        assertEquals(Boolean.TRUE, sc.get("readOnlyRootFilesystem"));
        assertEquals(0, sc.get("runAsUser"), "root inside the container, explained in the manifest");
        Map<String, Object> nodeName = envVar(c, "NODE_NAME");
        assertEquals("spec.nodeName", map(map(nodeName.get("valueFrom")).get("fieldRef")).get("fieldPath"));
        Map<String, Object> resources = map(c.get("resources"));
        assertTrue(map(resources.get("requests")).keySet().containsAll(Set.of("cpu", "memory")), "requests");
        assertTrue(map(resources.get("limits")).containsKey("memory"), "memory limit");
        Map<String, Object> liveness = map(map(c.get("livenessProbe")).get("httpGet"));
        assertEquals("/metrics", liveness.get("path"));
        assertEquals(9464, containerPort(c, liveness.get("port")));
        List<String> args = list(c.get("args")).stream().map(String::valueOf).toList();
        assertEquals("collect", args.get(0), "runs the collect command");
        int mp = args.indexOf("--metrics-port");
        assertTrue(mp > 0 && args.get(mp + 1).equals("9464"), "metrics served on the probed port: " + args);
        if (Boolean.TRUE.equals(sc.get("readOnlyRootFilesystem"))) {
            assertTrue(mountPaths(c).contains("/tmp"), "a writable /tmp for the JVM");
        }
        assertConfigMounted(pod, c);
    }

    @Test
    void streamsAppStatefulSetKeepsStateAdvertisesItsPodIpAndIsProbed() {
        Map<String, Object> sts = single("StatefulSet");
        Map<String, Object> spec = map(sts.get("spec"));
        int replicas = (Integer) spec.get("replicas");
        assertTrue(replicas >= 1 && replicas <= 6, "replicas 1..6 (the events partitions): " + replicas);
        Map<String, Object> pod = podSpec(sts);
        Map<String, Object> c = onlyContainer(pod);

        Map<String, Object> readiness = map(map(c.get("readinessProbe")).get("httpGet"));
        assertEquals("/health", readiness.get("path"));
        assertEquals(7070, containerPort(c, readiness.get("port")));

        Map<String, Object> podIp = envVar(c, "POD_IP");
        assertEquals("status.podIP", map(map(podIp.get("valueFrom")).get("fieldRef")).get("fieldPath"));
        assertEquals("0.0.0.0", envVar(c, "CTFLOW_HTTP_HOST").get("value"));
        List<String> args = list(c.get("args")).stream().map(String::valueOf).toList();
        boolean advertised = args.contains("application.server=$(POD_IP):7070")
                || "$(POD_IP):7070".equals(envValue(c, "CTFLOW_APPLICATION_SERVER"));
        assertTrue(advertised, "application.server=$(POD_IP):7070 via --set or CTFLOW_APPLICATION_SERVER: " + args);
        int podIpIndex = envNames(c).indexOf("POD_IP");
        assertTrue(podIpIndex >= 0, "POD_IP defined for $(POD_IP) expansion");

        Map<String, Object> resources = map(c.get("resources"));
        assertTrue(map(resources.get("requests")).keySet().containsAll(Set.of("cpu", "memory")), "requests");
        assertTrue(map(resources.get("limits")).containsKey("memory"), "memory limit");

        // The state dir of the config file is on a volumeClaimTemplate.
        Properties props = configFor(pod, c);
        String stateDir = props.getProperty("state.dir");
        assertNotNull(stateDir, "state.dir in the streams-app config");
        Set<String> claims = list(spec.get("volumeClaimTemplates")).stream()
                .map(t -> str(map(map(t).get("metadata")).get("name"))).collect(Collectors.toSet());
        assertTrue(list(c.get("volumeMounts")).stream().map(DeploymentFilesTest::map)
                        .anyMatch(m -> stateDir.equals(m.get("mountPath")) && claims.contains(str(m.get("name")))),
                "a volumeClaimTemplate mounted at " + stateDir);
        Number fsGroup = (Number) map(pod.get("securityContext")).get("fsGroup");
        assertNotNull(fsGroup, "fsGroup so the non-root user can write the volume");
        assertEquals(Boolean.TRUE, map(pod.get("securityContext")).get("runAsNonRoot"));
        assertEquals(Boolean.FALSE, map(c.get("securityContext")).get("allowPrivilegeEscalation"));

        // serviceName is a headless Service selecting these pods.
        Map<String, Object> headless = k8sService(str(spec.get("serviceName")));
        assertEquals("None", map(headless.get("spec")).get("clusterIP"), "StatefulSet's serviceName is headless");
        assertSelects(headless, sts);
    }

    @Test
    void aClusterIpServiceExposesTheStreamsApiOn7070() {
        Map<String, Object> sts = single("StatefulSet");
        Map<String, Object> c = onlyContainer(podSpec(sts));
        List<Map<String, Object>> apiServices = objects("Service").stream()
                .filter(s -> !"None".equals(map(s.get("spec")).get("clusterIP")))
                .filter(s -> list(map(s.get("spec")).get("ports")).stream().map(DeploymentFilesTest::map)
                        .anyMatch(p -> Objects.equals(7070, p.get("port"))
                                && containerPort(c, p.getOrDefault("targetPort", p.get("port"))) == 7070))
                .toList();
        assertEquals(1, apiServices.size(), "one ClusterIP Service on 7070 -> container port 7070");
        Map<String, Object> svc = apiServices.get(0);
        assertEquals("ClusterIP", map(svc.get("spec")).getOrDefault("type", "ClusterIP"));
        assertSelects(svc, sts);
    }

    @Test
    void configMapHoldsBothAppsSettings() throws IOException {
        Map<String, Object> data = map(single("ConfigMap").get("data"));
        assertEquals(2, data.size(), "one properties file per app: " + data.keySet());
        for (Object text : data.values()) {
            Properties p = properties(str(text));
            assertNotNull(p.getProperty("bootstrap.servers"), "bootstrap.servers");
            assertNotNull(p.getProperty("schema.registry.url"), "schema.registry.url");
        }
        Properties streams = properties(str(data.get("streams-app.properties")));
        assertEquals("ctflow-streams", streams.getProperty("application.id"));
        assertEquals("exactly_once_v2", streams.getProperty("processing.guarantee"));
        assertEquals("7070", streams.getProperty("http.port"));
        Properties collector = properties(str(data.get("collector.properties")));
        assertEquals(collector.getProperty("bootstrap.servers"), streams.getProperty("bootstrap.servers"), "same Kafka");
        assertEquals(collector.getProperty("schema.registry.url"), streams.getProperty("schema.registry.url"), "same registry");
    }

    @Test
    void kustomizationListsEveryManifest() throws IOException {
        Map<String, Object> k = loadAll(K8S_DIR.resolve("kustomization.yaml")).get(0);
        List<String> resources = list(k.get("resources")).stream().map(String::valueOf).toList();
        Set<String> files;
        try (Stream<Path> s = Files.list(K8S_DIR)) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.matches(".*\\.ya?ml"))
                    .filter(n -> !n.equals("kustomization.yaml")).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(files, new TreeSet<>(resources), "kustomization resources == the manifests in the folder");
        assertEquals(resources.size(), new LinkedHashSet<>(resources).size(), "no duplicates");
        assertEquals("ctflow", k.get("namespace"));
    }

    /** kubectl's built-in kustomize renders the folder offline (no cluster needed), when kubectl is installed. */
    @Test
    void kubectlKustomizeRenders() throws Exception {
        assumeTrue(onPath("kubectl").isPresent(), "kubectl is not installed: kustomization checked by the YAML tests only");
        Result r = run(List.of("kubectl", "kustomize", K8S_DIR.toString()), 120);
        assertEquals(0, r.exit, "kubectl kustomize failed:\n" + r.output);
        List<Map<String, Object>> rendered = new ArrayList<>();
        for (Object doc : yaml().loadAll(r.stdout)) {
            if (doc != null) {
                rendered.add(map(doc));
            }
        }
        assertEquals(k8sObjects().size(), rendered.size(), "every object rendered");
    }

    // ---------------------------------------------------------------- helpers: compose

    static Map<String, Object> compose() {
        try {
            List<Map<String, Object>> docs = loadAll(COMPOSE);
            assertEquals(1, docs.size(), "one YAML document in docker-compose.yml");
            return docs.get(0);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, Object> services() {
        return map(compose().get("services"));
    }

    static Map<String, Object> service(String name) {
        Object s = services().get(name);
        assertNotNull(s, "compose service " + name);
        return map(s);
    }

    /** The environment in either of Compose's forms: a map, or a list of KEY=VALUE. */
    static Map<String, String> env(Map<String, Object> service) {
        Map<String, String> env = new LinkedHashMap<>();
        Object e = service.get("environment");
        if (e instanceof Map<?, ?> m) {
            m.forEach((k, v) -> env.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        } else if (e instanceof List<?> l) {
            for (Object item : l) {
                String s = String.valueOf(item);
                int eq = s.indexOf('=');
                env.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? null : s.substring(eq + 1));
            }
        }
        return env;
    }

    /** NAME://host:port,... to NAME -> host:port. */
    static Map<String, String> listeners(String spec) {
        assertNotNull(spec, "listeners");
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : csv(spec)) {
            int sep = l.indexOf("://");
            out.put(l.substring(0, sep), l.substring(sep + 3));
        }
        return out;
    }

    static Set<String> kafkaAdvertised() {
        return new LinkedHashSet<>(listeners(env(service("kafka")).get("KAFKA_ADVERTISED_LISTENERS")).values());
    }

    /** Host-side ports of "[ip:]host:container" entries. */
    static Set<Integer> publishedPorts(Map<String, Object> service) {
        Set<Integer> ports = new LinkedHashSet<>();
        for (Object p : list(service.get("ports"))) {
            String[] parts = String.valueOf(p).split(":");
            ports.add(Integer.parseInt(parts[parts.length - 2].replaceAll("/.*", "")));
        }
        return ports;
    }

    static Set<String> csv(String s) {
        return s == null ? Set.of() : Stream.of(s.split(",")).map(String::trim).filter(x -> !x.isEmpty())
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    // ---------------------------------------------------------------- helpers: Dockerfiles and poms

    record Instruction(String keyword, String args) {}

    /** Instructions (continuations joined, comments dropped) split into stages at FROM. */
    static List<List<Instruction>> stages(Path dockerfile) throws IOException {
        List<List<Instruction>> stages = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : Files.readAllLines(dockerfile, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && current.length() == 0)) {
                continue;
            }
            boolean continues = line.endsWith("\\");
            current.append(continues ? line.substring(0, line.length() - 1) : line).append(' ');
            if (!continues) {
                String text = current.toString().strip();
                current.setLength(0);
                if (text.isEmpty()) {
                    continue;
                }
                String[] kv = text.split("\\s+", 2);
                Instruction i = new Instruction(kv[0].toUpperCase(), kv.length > 1 ? kv[1].replaceAll("\\s+", " ") : "");
                if (i.keyword.equals("FROM")) {
                    stages.add(new ArrayList<>());
                }
                assertFalse(stages.isEmpty(), dockerfile + ": instruction before FROM: " + text);
                stages.get(stages.size() - 1).add(i);
            }
        }
        return stages;
    }

    static List<Instruction> lastStage(Path dockerfile) throws IOException {
        List<List<Instruction>> s = stages(dockerfile);
        return s.get(s.size() - 1);
    }

    static Optional<String> last(List<Instruction> stage, String keyword) {
        String found = null;
        for (Instruction i : stage) {
            if (i.keyword.equals(keyword)) {
                found = i.args;
            }
        }
        return Optional.ofNullable(found);
    }

    static List<String> rootModules() throws Exception {
        return childTexts(pom(REPO.resolve("pom.xml")).getDocumentElement(), "modules", "module");
    }

    /** The module and every reactor module it depends on (any scope: -am builds test dependencies too). */
    static Set<String> withUpstream(String module) throws Exception {
        Set<String> modules = new LinkedHashSet<>(rootModules());
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(module));
        while (!todo.isEmpty()) {
            String m = todo.pop();
            if (!seen.add(m)) {
                continue;
            }
            Element project = pom(REPO.resolve(m).resolve("pom.xml")).getDocumentElement();
            for (Element dep : children(child(project, "dependencies"), "dependency")) {
                String group = text(child(dep, "groupId"));
                String artifact = text(child(dep, "artifactId"));
                if ("io.ctflow".equals(group) && artifact != null && artifact.startsWith("ctflow-")
                        && modules.contains(artifact.substring("ctflow-".length()))) {
                    todo.push(artifact.substring("ctflow-".length()));
                }
            }
        }
        return seen;
    }

    static Document pom(Path file) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(file.toFile());
    }

    static Element child(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        if (parent != null) {
            NodeList nodes = parent.getChildNodes();
            for (int i = 0; i < nodes.getLength(); i++) {
                if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    static List<String> childTexts(Element parent, String list, String item) {
        return children(child(parent, list), item).stream().map(DeploymentFilesTest::text).toList();
    }

    static String text(Element e) {
        return e == null ? null : e.getTextContent().trim();
    }

    // ---------------------------------------------------------------- helpers: Kubernetes

    static List<Map<String, Object>> k8sObjects() {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(K8S_DIR)) {
            for (Path p : s.filter(f -> f.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList()) {
                for (Map<String, Object> doc : loadAll(p)) {
                    if (!"Kustomization".equals(doc.get("kind"))) {
                        assertNotNull(doc.get("kind"), p + ": a document without kind");
                        out.add(doc);
                    }
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    static List<Map<String, Object>> objects(String kind) {
        return k8sObjects().stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    static Map<String, Object> single(String kind) {
        List<Map<String, Object>> found = objects(kind);
        assertEquals(1, found.size(), "exactly one " + kind);
        return found.get(0);
    }

    static Map<String, Object> k8sService(String name) {
        return objects("Service").stream().filter(s -> name.equals(map(s.get("metadata")).get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no Service " + name));
    }

    static Map<String, Object> podSpec(Map<String, Object> workload) {
        return map(map(map(workload.get("spec")).get("template")).get("spec"));
    }

    static Map<String, Object> onlyContainer(Map<String, Object> pod) {
        List<Object> containers = list(pod.get("containers"));
        assertEquals(1, containers.size(), "one container");
        return map(containers.get(0));
    }

    static List<String> envNames(Map<String, Object> container) {
        return list(container.get("env")).stream().map(e -> str(map(e).get("name"))).toList();
    }

    static Map<String, Object> envVar(Map<String, Object> container, String name) {
        return list(container.get("env")).stream().map(DeploymentFilesTest::map).filter(e -> name.equals(e.get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("env " + name));
    }

    static String envValue(Map<String, Object> container, String name) {
        return list(container.get("env")).stream().map(DeploymentFilesTest::map).filter(e -> name.equals(e.get("name")))
                .map(e -> e.get("value") == null ? null : String.valueOf(e.get("value"))).findFirst().orElse(null);
    }

    static Set<String> mountPaths(Map<String, Object> container) {
        return list(container.get("volumeMounts")).stream().map(m -> str(map(m).get("mountPath"))).collect(Collectors.toSet());
    }

    /** A probe's or Service's port, numeric or a container port's name, as a number. */
    static int containerPort(Map<String, Object> container, Object port) {
        if (port instanceof Integer i) {
            return i;
        }
        return list(container.get("ports")).stream().map(DeploymentFilesTest::map).filter(p -> Objects.equals(port, p.get("name")))
                .map(p -> (Integer) p.get("containerPort")).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + port));
    }

    static void assertSelects(Map<String, Object> svc, Map<String, Object> workload) {
        Map<String, Object> selector = map(map(svc.get("spec")).get("selector"));
        assertFalse(selector.isEmpty(), "Service has a selector");
        Map<String, Object> podLabels = map(map(map(map(workload.get("spec")).get("template")).get("metadata")).get("labels"));
        selector.forEach((k, v) -> assertEquals(v, podLabels.get(k), map(svc.get("metadata")).get("name") + " selects " + k + "=" + v));
    }

    /** The --config FILE of the container is a key of the ConfigMap mounted at FILE's directory. */
    static void assertConfigMounted(Map<String, Object> pod, Map<String, Object> c) {
        assertNotNull(configFor(pod, c));
    }

    static Properties configFor(Map<String, Object> pod, Map<String, Object> c) {
        List<String> args = list(c.get("args")).stream().map(String::valueOf).toList();
        int i = args.indexOf("--config");
        assertTrue(i >= 0 && i + 1 < args.size(), "--config FILE in args: " + args);
        Path file = Path.of(args.get(i + 1));
        Map<String, Object> mount = list(c.get("volumeMounts")).stream().map(DeploymentFilesTest::map)
                .filter(m -> file.getParent().equals(Path.of(str(m.get("mountPath"))))).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + file.getParent()));
        Map<String, Object> volume = list(pod.get("volumes")).stream().map(DeploymentFilesTest::map)
                .filter(v -> mount.get("name").equals(v.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + mount.get("name")));
        Map<String, Object> cmRef = map(volume.get("configMap"));
        Map<String, Object> cm = single("ConfigMap");
        assertEquals(map(cm.get("metadata")).get("name"), cmRef.get("name"), "the volume is the ConfigMap");
        String key = file.getFileName().toString();
        if (cmRef.get("items") != null) {
            key = list(cmRef.get("items")).stream().map(DeploymentFilesTest::map)
                    .filter(it -> file.getFileName().toString().equals(it.get("path"))).map(it -> str(it.get("key")))
                    .findFirst().orElseThrow(() -> new AssertionError("no item with path " + file.getFileName()));
        }
        Object text = map(cm.get("data")).get(key);
        assertNotNull(text, "ConfigMap key " + key);
        try {
            return properties(str(text));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Properties properties(String text) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return p;
    }

    // ---------------------------------------------------------------- helpers: YAML, processes

    static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    /** Every non-empty document of a (possibly multi-document) YAML file. */
    static List<Map<String, Object>> loadAll(Path file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : yaml().loadAll(Files.readString(file))) {
            if (doc != null) {
                assertTrue(doc instanceof Map, file + ": every document is a mapping");
                docs.add(map(doc));
            }
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        if (o == null) {
            return Map.of();
        }
        assertTrue(o instanceof Map, "expected a mapping, got " + o);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        if (o == null) {
            return List.of();
        }
        assertTrue(o instanceof List, "expected a list, got " + o);
        return (List<Object>) o;
    }

    static String str(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, program);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    record Result(int exit, String stdout, String output) {}

    static Result run(List<String> cmd, int timeoutSeconds) throws Exception {
        Path out = Files.createTempFile("ctflow-deploy", ".out");
        Path err = Files.createTempFile("ctflow-deploy", ".err");
        try {
            Process p = new ProcessBuilder(cmd).directory(REPO.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
            }
            String stdout = Files.readString(out);
            return new Result(p.exitValue(), stdout, stdout + Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
