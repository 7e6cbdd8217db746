package io.ctflow.collector.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A fake {@code conntrack} executable (a shell script) in a temp directory. {@code -E} appends its
 * start time (ns) to {@code starts}, prints {@code events.txt}, then does what the n-th line of
 * {@code modes} says (the last line once they run out): {@code exit} (exit 1), {@code enobufs}
 * ("Operation failed: No buffer space available", exit 1), {@code warn} (the ENOBUFS warning, keeps
 * running), {@code run} (keeps running), {@code eperm}. {@code -L} prints {@code snapshot.txt},
 * {@code -S} {@code stats.txt}, {@code -C} "3" (or the permission error when {@code deny} exists).
 */
public final class FakeConntrack {
    public static final String EVENT_1 = "[1700000000.100000]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.244.1.2 dst=10.96.0.10 "
            + "sport=40000 dport=80 [UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=40000 id=11";
    public static final String EVENT_2 = "[1700000000.200000]\t [UPDATE] ipv4     2 tcp      6 60 SYN_RECV src=10.244.1.2 dst=10.96.0.10 "
            + "sport=40000 dport=80 src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=40000 id=11";
    public static final String GARBAGE = "[1700000000.300000]\t    [NEW] this is not an entry";
    public static final String SNAP_1 = "ipv4     2 tcp      6 431999 ESTABLISHED src=10.244.1.2 dst=10.96.0.10 sport=39000 dport=80 "
            + "src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=39000 [ASSURED] mark=0 use=1 id=7";
    public static final String SNAP_2 = "ipv4     2 udp      17 20 src=10.244.1.2 dst=10.96.0.53 sport=5000 dport=53 "
            + "src=10.244.1.3 dst=10.244.1.2 sport=5353 dport=5000 mark=0 use=1 id=8";
    public static final String STATS = "cpu=0   \tfound=1 invalid=2 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 clash_resolve=0 chaintoolong=0 \n"
            + "cpu=1   \tfound=0 invalid=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 clash_resolve=0 chaintoolong=0 \n";

    private static final String SCRIPT = """
            #!/bin/bash
            D="$(dirname "$0")"
            case "$1" in
              -C)
                if [ -e "$D/deny" ]; then
                  echo "conntrack v1.4.7 (conntrack-tools): Operation failed: sorry, you must be root or get CAP_NET_ADMIN capability to do this" >&2
                  exit 1
                fi
                echo 3 ;;
              -S) cat "$D/stats.txt" ;;
              -L)
                cat "$D/snapshot.txt"
                echo "conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown." >&2 ;;
              -E)
                date +%s%N >> "$D/starts"
                n=$(wc -l < "$D/starts")
                printf "%s\n" "$*" > "$D/args"
                mode=$(sed -n "${n}p" "$D/modes")
                [ -z "$mode" ] && mode=$(tail -n 1 "$D/modes")
                if [ "$mode" = eperm ]; then
                  echo "mnl_socket_bind: Operation not permitted" >&2
                  echo "conntrack v1.4.7 (conntrack-tools): Can't open netlink socket" >&2
                  exit 1
                fi
                cat "$D/events.txt"
                case "$mode" in
                  exit) exit 1 ;;
                  enobufs) echo "conntrack v1.4.7 (conntrack-tools): Operation failed: No buffer space available" >&2; exit 1 ;;
                  warn) echo "WARNING: We have hit ENOBUFS! We are losing events." >&2
                        echo "This message means that the current netlink socket buffer size is too small." >&2
                        exec sleep 60 ;;
                  *) exec sleep 60 ;;
                esac ;;
              *) echo "fake conntrack: unexpected $*" >&2; exit 2 ;;
            esac
            """;

    private final Path dir;

    private FakeConntrack(Path dir) {
        this.dir = dir;
    }

    /** Creates the script in {@code dir} with the given -E modes, two events and a garbage line. */
    public static FakeConntrack create(Path dir, String... modes) throws IOException {
        Path script = dir.resolve("conntrack");
        Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("modes"), String.join("\n", modes) + "\n");
        Files.writeString(dir.resolve("events.txt"), EVENT_1 + "\n" + EVENT_2 + "\n" + GARBAGE + "\n");
        Files.writeString(dir.resolve("snapshot.txt"), SNAP_1 + "\n" + SNAP_2 + "\n");
        Files.writeString(dir.resolve("stats.txt"), STATS);
        return new FakeConntrack(dir);
    }

    public String path() {
        return dir.resolve("conntrack").toString();
    }

    public Path dir() {
        return dir;
    }

    /** Makes -C fail as for a user without CAP_NET_ADMIN. */
    public void deny() throws IOException {
        Files.writeString(dir.resolve("deny"), "");
    }

    /** Start times of -E in nanoseconds (wall clock). */
    public List<Long> starts() throws IOException {
        List<Long> out = new ArrayList<>();
        Path f = dir.resolve("starts");
        if (Files.exists(f)) {
            for (String l : Files.readAllLines(f)) {
                if (!l.isBlank()) {
                    out.add(Long.parseLong(l.trim()));
                }
            }
        }
        return out;
    }

    /** Arguments of the last -E. */
    public String lastArgs() throws IOException {
        return Files.readString(dir.resolve("args")).strip();
    }
}
