package io.ctflow.cli.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The programs the lab runs, resolved to absolute paths once (so that {@code ip netns exec} and
 * a root shell without /usr/sbin in PATH behave alike), and the root check.
 */
public final class Tools {
    /** Program name to the Debian package that has it. */
    static final Map<String, String> PACKAGES = new LinkedHashMap<>();

    static {
        PACKAGES.put("ip", "iproute2");
        PACKAGES.put("iptables", "iptables");
        PACKAGES.put("iptables-restore", "iptables");
        PACKAGES.put("iptables-save", "iptables");
        PACKAGES.put("conntrack", "conntrack");
        PACKAGES.put("python3", "python3");
        PACKAGES.put("sysctl", "procps");
        PACKAGES.put("timeout", "coreutils");
    }

    public static final String NEEDS_ROOT =
            "ctflow lab: needs root (network namespaces, iptables, conntrack); try sudo ./ctflow lab";

    final String ip;
    final String iptablesRestore;
    final String iptablesSave;
    final String conntrack;
    final String sysctl;
    final String timeout;
    /** nft, or null when absent: only the lab's nftables mode needs it. */
    final String nft;
    /** The real interpreter (not a pyenv shim or wrapper script), so each start is quick. */
    final String python;

    private Tools(Map<String, Path> found, String python) {
        this.ip = found.get("ip").toString();
        this.iptablesRestore = found.get("iptables-restore").toString();
        this.iptablesSave = found.get("iptables-save").toString();
        this.conntrack = found.get("conntrack").toString();
        this.sysctl = found.get("sysctl").toString();
        this.timeout = found.get("timeout").toString();
        Path nftPath = find("nft");
        this.nft = nftPath == null ? null : nftPath.toString();
        this.python = python;
    }

    /** Whether this process's effective uid is 0 (from /proc/self/status, else {@code id -u}). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    return f.length > 1 && f[1].equals("0");
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux /proc: ask id
        }
        try {
            Exec.Result r = Exec.runAllowingFailure(List.of("id", "-u"), null, Exec.SHORT);
            return r.ok() && r.out().strip().equals("0");
        } catch (LabException e) {
            return false;
        }
    }

    /** Programs that are missing, each as "name (apt-get install package)". */
    public static List<String> missing() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : PACKAGES.entrySet()) {
            if (find(e.getKey()) == null) {
                out.add(e.getKey() + " (apt-get install " + e.getValue() + ")");
            }
        }
        return out;
    }

    public static final String NO_NFT = "nft (apt-get install nftables): the lab's nftables mode needs it";

    /** Whether {@code nft} is installed (for {@code --proxy-mode nftables}). */
    public static boolean hasNft() {
        return find("nft") != null;
    }

    public static final String NO_BR_NETFILTER = "the br_netfilter kernel module is not loaded: the lab needs the"
            + " bridge-nf-call-iptables sysctl (sudo modprobe br_netfilter; note that loading it turns that sysctl on"
            + " for the bridges of the root namespace too)";

    /**
     * Whether br_netfilter is loaded (its sysctls exist; read-only look at the root namespace's
     * /proc/sys, nothing is written there). Without it the scenarios cannot be told apart.
     */
    public static boolean brNetfilterLoaded() {
        return Files.exists(Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables"));
    }

    /** Whether the lab can run here: root, every program present, br_netfilter loaded. */
    public static boolean available() {
        return isRoot() && missing().isEmpty() && brNetfilterLoaded();
    }

    /** Resolves every program; a {@link LabException} saying what to install when one is missing. */
    public static Tools resolve() {
        List<String> missing = missing();
        if (!missing.isEmpty()) {
            throw new LabException("missing programs: " + String.join(", ", missing));
        }
        Map<String, Path> found = new LinkedHashMap<>();
        for (String name : PACKAGES.keySet()) {
            found.put(name, find(name));
        }
        Exec.Result r = Exec.run(List.of(found.get("python3").toString(), "-c", "import sys; print(sys.executable)"));
        String python = r.out().strip();
        if (python.isEmpty() || !Files.isExecutable(Path.of(python))) {
            python = found.get("python3").toString();
        }
        return new Tools(found, python);
    }

    /** The program's absolute path: PATH first, then the sbin/bin directories a root shell has. */
    static Path find(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toAbsolutePath();
            }
        }
        return null;
    }
}
