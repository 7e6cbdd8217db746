package io.ctflow.collector.live;

import io.ctflow.collector.CollectorException;
import io.ctflow.process.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs the node's tools (conntrack, ip, iptables-save) and reads its {@code /proc/sys} and
 * {@code /sys} files, either on this host or inside a named network namespace
 * ({@code ip netns exec NAME ...}: {@code /proc/sys/net} is per namespace of the reading process,
 * and {@code ip netns exec} remounts {@code /sys} for the namespace). Commands are argument lists
 * started through the {@link Launcher} seam, never through a shell. Tools are looked up on a search path
 * (the environment's PATH unless given), so tests can put fakes first.
 */
public final class NodeAccess {
    public static final String CONNTRACK_MISSING = "conntrack not found: install conntrack-tools (apt-get install conntrack)";
    public static final String IP_MISSING = "ip not found: install iproute2 (apt-get install iproute2)";
    public static final String NOT_PERMITTED = "conntrack: Operation not permitted: run the collector as root or with CAP_NET_ADMIN";

    private final String netns;
    private final List<String> searchPath;
    private final Launcher launcher;

    /**
     * @param netns      network namespace name ({@code ip netns add NAME}), or null for this host's
     * @param searchPath directories to find tools in, or null for the PATH environment variable
     */
    public NodeAccess(String netns, String searchPath) {
        this(netns, searchPath, Launcher.SYSTEM);
    }

    /** Same, starting processes through {@code launcher} (tests record or fake them there). */
    public NodeAccess(String netns, String searchPath, Launcher launcher) {
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.netns = netns == null || netns.isBlank() ? null : netns;
        String p = searchPath != null ? searchPath : Objects.requireNonNullElse(System.getenv("PATH"), "/usr/sbin:/usr/bin:/sbin:/bin");
        List<String> dirs = new ArrayList<>();
        for (String d : p.split(File.pathSeparator)) {
            if (!d.isEmpty()) {
                dirs.add(d);
            }
        }
        // conntrack, ip and iptables live in sbin, which a non-login PATH may lack
        for (String d : List.of("/usr/sbin", "/sbin")) {
            if (!dirs.contains(d)) {
                dirs.add(d);
            }
        }
        this.searchPath = dirs;
    }

    public String netns() {
        return netns;
    }

    /** The tool's absolute path, or null when it is not on the search path. */
    public String find(String tool) {
        if (tool.indexOf('/') >= 0) {
            return Files.isExecutable(Path.of(tool)) ? tool : null;
        }
        for (String d : searchPath) {
            Path p = Path.of(d, tool);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** The tool's absolute path; a {@link CollectorException} with {@code missingMessage} when absent. */
    public String require(String tool, String missingMessage) {
        String p = find(tool);
        if (p == null) {
            throw CollectorException.environment(missingMessage);
        }
        return p;
    }

    /**
     * Checks what every mode needs: {@code ip} and the namespace when one is named, and conntrack.
     *
     * @throws CollectorException naming what is missing
     */
    public void preflight(String conntrack) {
        if (netns != null) {
            require("ip", IP_MISSING);
            if (!netnsExists(netns)) {
                throw CollectorException.environment("network namespace '" + netns + "' not found (ip netns list shows the names)");
            }
        }
        require(conntrack, CONNTRACK_MISSING);
    }

    static boolean netnsExists(String name) {
        if (name.contains("/") || name.equals(".") || name.equals("..")) {
            return false;
        }
        return Files.exists(Path.of("/run/netns", name)) || Files.exists(Path.of("/var/run/netns", name));
    }

    /** The argument list that runs {@code argv} on the node (prefixed with {@code ip netns exec NAME}). */
    public List<String> command(String tool, String... args) {
        List<String> cmd = new ArrayList<>(args.length + 5);
        if (netns != null) {
            cmd.add(require("ip", IP_MISSING));
            cmd.add("netns");
            cmd.add("exec");
            cmd.add(netns);
        }
        String path = find(tool);
        cmd.add(path != null ? path : tool);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Same for {@code ip} itself: {@code ip -n NAME ...} needs no remount. */
    public List<String> ipCommand(String... args) {
        List<String> cmd = new ArrayList<>(args.length + 3);
        cmd.add(require("ip", IP_MISSING));
        if (netns != null) {
            cmd.add("-n");
            cmd.add(netns);
        }
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Starts a long-running command; stdin closed, stdout and stderr piped. */
    public Process start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("LC_ALL", "C");
        return launcher.start(pb);
    }

    /** The result of a finished command. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** stderr's first non-blank line (or the exit code). */
        public String error() {
            for (String l : stderr.split("\n")) {
                if (!l.isBlank()) {
                    return l.strip();
                }
            }
            return "exit code " + exitCode;
        }
    }

    /**
     * Runs a command to completion (killed after {@code timeout}).
     *
     * @throws IOException when it cannot be started or times out
     */
    public Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process p = start(command);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = new Thread(() -> drain(p.getErrorStream(), err), "ctflow-stderr");
        errReader.setDaemon(true);
        errReader.start();
        try {
            drain(p.getInputStream(), out);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException(String.join(" ", command) + ": no answer within " + timeout.toSeconds() + " s");
            }
            errReader.join(1000);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void drain(InputStream in, ByteArrayOutputStream to) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (to) {
                    to.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // the process went away: what was read is the output
        }
    }

    /**
     * Reads small files of the node ({@code /proc/sys/...}, {@code /sys/class/net/...}): directly on
     * this host, with one {@code grep -s -H .} inside the namespace. Missing or unreadable files are
     * absent from the result; values are stripped.
     */
    public Map<String, String> readFiles(List<String> paths, Duration timeout) throws IOException, InterruptedException {
        Map<String, String> out = new LinkedHashMap<>();
        if (paths.isEmpty()) {
            return out;
        }
        if (netns == null) {
            for (String p : paths) {
                try {
                    out.put(p, Files.readString(Path.of(p), StandardCharsets.UTF_8).strip());
                } catch (IOException | UncheckedIOException e) {
                    // absent: the kernel lacks it (br_netfilter not loaded, no such port)
                }
            }
            return out;
        }
        List<String> args = new ArrayList<>(List.of("-s", "-H", "."));
        args.addAll(paths);
        Result r = run(command("grep", args.toArray(new String[0])), timeout);
        for (String line : r.stdout().split("\n")) {
            for (String p : paths) {
                if (line.length() > p.length() && line.startsWith(p) && line.charAt(p.length()) == ':') {
                    out.put(p, line.substring(p.length() + 1).strip());
                }
            }
        }
        return out;
    }

    /** {@code /proc/sys/...} path of a dotted sysctl name (net.ipv4.ip_forward). */
    public static String sysctlPath(String name) {
        return "/proc/sys/" + name.replace('.', '/');
    }

    /** Whether stderr of conntrack says it lacks privileges. */
    public static boolean notPermitted(String stderr) {
        String s = stderr.toLowerCase(Locale.ROOT);
        return s.contains("operation not permitted") || s.contains("must be root") || s.contains("cap_net_admin")
                || s.contains("permission denied");
    }

    /** Whether {@code ip netns exec} could not find the program or the namespace. */
    public static boolean execFailed(String stderr) {
        return stderr.contains("exec of \"") || stderr.contains("Cannot open network namespace");
    }
}
