package io.ctflow.collector.parse;

/**
 * A Kubernetes Service port name as kube-proxy writes it in rule comments and as ctflow uses it
 * for Service ids: {@code namespace/name:portName}, or {@code namespace/name} for an unnamed port
 * (portName null).
 */
record ServiceName(String namespace, String name, String portName) {

    /** Parses {@code ns/name[:port]}; null when the text is not of that form. */
    static ServiceName parse(String id) {
        if (id == null) {
            return null;
        }
        int slash = id.indexOf('/');
        if (slash <= 0 || id.indexOf('/', slash + 1) >= 0) {
            return null;
        }
        String rest = id.substring(slash + 1);
        int colon = rest.indexOf(':');
        String name = colon < 0 ? rest : rest.substring(0, colon);
        String port = colon < 0 || colon == rest.length() - 1 ? null : rest.substring(colon + 1);
        String namespace = id.substring(0, slash);
        if (!isLabel(namespace) || !isLabel(name) || (port != null && !isLabel(port))) {
            return null; // e.g. a default id "10.96.0.10:80/tcp"
        }
        return new ServiceName(namespace, name, port);
    }

    /** {@code ns/name:port}, or {@code ns/name} without a port name. */
    String id() {
        return portName == null ? namespace + "/" + name : namespace + "/" + name + ":" + portName;
    }

    // Kubernetes names are DNS labels: lower-case letters, digits and '-'.
    private static boolean isLabel(String s) {
        if (s.isEmpty() || s.length() > 63) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
