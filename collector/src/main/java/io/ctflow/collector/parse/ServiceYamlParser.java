package io.ctflow.collector.parse;

import io.ctflow.flow.Protocols;
import io.ctflow.avro.Endpoint;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Services for hosts without kube-proxy, from YAML:
 *
 * <pre>
 * services:
 *   - id: default/web:http        # optional; default vip:port/proto
 *     vip: 10.96.0.10
 *     port: 80
 *     protocol: tcp               # optional; default tcp, as in Kubernetes
 *     requestResponse: false      # optional
 *     endpoints: ["10.244.1.3:8080", "[fd00::3]:8080", "10.244.1.4"]   # no port: the Service port
 * </pre>
 *
 * Entries keep the file's order and have source {@value #SOURCE_YAML}. Bad input is an
 * {@link IllegalArgumentException} naming the entry and field, e.g.
 * {@code services[1].port: expected 1-65535, got '70000'}. Unknown fields are rejected so that a
 * typo ({@code endpoint:}) does not silently drop the endpoints.
 */
public final class ServiceYamlParser {
    public static final String SOURCE_YAML = "yaml";

    private static final Set<String> FIELDS = Set.of("id", "vip", "port", "protocol", "requestResponse", "endpoints");

    private ServiceYamlParser() {}

    /** Reads a YAML file (UTF-8). */
    public static List<ServiceEntry> read(Path file, String node, Instant timestamp) throws IOException {
        try {
            return parse(InputText.read(file), node, timestamp);
        } catch (InputError e) {
            throw e.in(file);
        }
    }

    /**
     * @param node      ServiceEntry.node
     * @param timestamp ServiceEntry.timestamp
     * @throws IllegalArgumentException for YAML that does not parse or entries that are invalid
     */
    public static List<ServiceEntry> parse(String yaml, String node, Instant timestamp) {
        Object doc;
        try {
            // SafeConstructor: plain maps, lists and scalars only, never arbitrary classes.
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        } catch (MarkedYAMLException e) {
            throw new InputError(e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1, "bad YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new InputError(0, "bad YAML: " + e.getMessage());
        }
        try {
            return entries(doc, node, timestamp);
        } catch (InputError e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // Messages start with the path of the offending value (services[2].vip: ...): find its line.
            String m = e.getMessage();
            int colon = m.indexOf(": ");
            throw new InputError(colon < 0 ? 0 : lineOf(yaml, m.substring(0, colon)), m);
        }
    }

    /** The line of the value at a path like {@code services[2].endpoints[0]}; 0 when it cannot be found. */
    static int lineOf(String yaml, String path) {
        Node node;
        try {
            node = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new java.io.StringReader(yaml));
        } catch (YAMLException e) {
            return 0;
        }
        int line = 0;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([^.\\[\\]]+)|\\[(\\d+)\\]").matcher(path);
        while (node != null && m.find()) {
            Node next = null;
            if (m.group(1) != null && node instanceof MappingNode map) {
                for (NodeTuple t : map.getValue()) {
                    if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(m.group(1))) {
                        next = t.getValueNode();
                    }
                }
            } else if (m.group(2) != null && node instanceof SequenceNode seq) {
                int i = Integer.parseInt(m.group(2));
                next = i < seq.getValue().size() ? seq.getValue().get(i) : null;
            }
            node = next;
            if (node != null) {
                line = node.getStartMark().getLine() + 1;
            }
        }
        return line;
    }

    private static List<ServiceEntry> entries(Object doc, String node, Instant timestamp) {
        if (doc == null) {
            return new ArrayList<>();
        }
        if (!(doc instanceof Map)) {
            throw new IllegalArgumentException("expected a mapping with 'services', got " + describe(doc));
        }
        Object services = ((Map<?, ?>) doc).get("services");
        if (services == null) {
            return new ArrayList<>();
        }
        if (!(services instanceof List)) {
            throw new IllegalArgumentException("services: expected a list, got " + describe(services));
        }
        List<?> items = (List<?>) services;
        List<ServiceEntry> out = new ArrayList<>(items.size());
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            ServiceEntry entry = entry(items.get(i), "services[" + i + "]", node, timestamp);
            Integer previous = seen.putIfAbsent(ServiceKeys.key(entry), i);
            if (previous != null) {
                throw new IllegalArgumentException("services[" + i + "]: same vip, port and protocol as services["
                    + previous + "] (" + ServiceKeys.key(entry) + ")");
            }
            out.add(entry);
        }
        return out;
    }

    private static ServiceEntry entry(Object item, String where, String node, Instant timestamp) {
        if (!(item instanceof Map)) {
            throw new IllegalArgumentException(where + ": expected a mapping, got " + describe(item));
        }
        Map<?, ?> map = (Map<?, ?>) item;
        for (Object field : map.keySet()) {
            if (!FIELDS.contains(String.valueOf(field))) {
                throw new IllegalArgumentException(where + ": unknown field '" + field + "' (known: id, vip, port, "
                    + "protocol, requestResponse, endpoints)");
            }
        }
        Object vipValue = map.get("vip");
        if (!(vipValue instanceof String)) {
            throw new IllegalArgumentException(where + ".vip: expected an IP address, got " + describe(vipValue));
        }
        String vipText = ((String) vipValue).strip();
        if (vipText.startsWith("[") && vipText.endsWith("]")) {
            vipText = vipText.substring(1, vipText.length() - 1);
        }
        byte[] vip = IpLiteral.parse(vipText);
        if (vip == null) {
            throw new IllegalArgumentException(where + ".vip: bad address '" + vipValue + "'");
        }
        int port = port(map.get("port"), where + ".port");
        Protocol protocol = protocol(map.get("protocol"), where + ".protocol");
        Object rr = map.get("requestResponse");
        if (rr != null && !(rr instanceof Boolean)) {
            throw new IllegalArgumentException(where + ".requestResponse: expected true or false, got " + describe(rr));
        }
        List<Endpoint> endpoints = endpoints(map.get("endpoints"), port, where + ".endpoints");
        Object idValue = map.get("id");
        if (idValue != null && !(idValue instanceof String && !((String) idValue).isBlank())) {
            throw new IllegalArgumentException(where + ".id: expected a non-empty string, got " + describe(idValue));
        }
        String id = idValue != null ? ((String) idValue).strip() : ServiceKeys.defaultId(protocol, vip, port);
        ServiceName name = ServiceName.parse(id);
        return new ServiceEntry(id, name == null ? null : name.namespace(), name == null ? null : name.name(),
            name == null ? null : name.portName(), ByteBuffer.wrap(vip), port, protocol, endpoints, (Boolean) rr,
            SOURCE_YAML, node, timestamp);
    }

    private static int port(Object value, String where) {
        int port = -1;
        if (value instanceof Integer) {
            port = (Integer) value;
        } else if (value instanceof String) {
            port = HostPort.parsePort(((String) value).strip());
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(where + ": expected 1-65535, got " + describe(value));
        }
        return port;
    }

    private static Protocol protocol(Object value, String where) {
        if (value == null) {
            return Protocol.TCP;
        }
        Protocol p = value instanceof String ? Protocols.byName(((String) value).strip()) : null;
        if (p == null || !Protocols.hasPortFields(p)) {
            throw new IllegalArgumentException(where + ": expected tcp, udp, sctp, dccp or udplite, got "
                + describe(value));
        }
        return p;
    }

    private static List<Endpoint> endpoints(Object value, int servicePort, String where) {
        List<Endpoint> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof List)) {
            throw new IllegalArgumentException(where + ": expected a list of \"address:port\", got " + describe(value));
        }
        List<?> list = (List<?>) value;
        for (int j = 0; j < list.size(); j++) {
            Object e = list.get(j);
            if (!(e instanceof String)) {
                throw new IllegalArgumentException(where + "[" + j + "]: expected \"address:port\", got " + describe(e));
            }
            try {
                Endpoint endpoint = HostPort.parse((String) e, servicePort);
                if (!out.contains(endpoint)) {
                    out.add(endpoint);
                }
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(where + "[" + j + "]: " + ex.getMessage(), ex);
            }
        }
        return out;
    }

    private static String describe(Object value) {
        if (value == null) {
            return "nothing";
        }
        String text = String.valueOf(value);
        if (text.length() > 60) {
            text = text.substring(0, 60) + "...";
        }
        if (value instanceof Map) {
            return "a mapping";
        }
        if (value instanceof List) {
            return "a list";
        }
        return "'" + text + "'";
    }
}
