package io.ctflow.collector.publish;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Synthetic conntrack -E lines (NEW, UPDATE, UPDATE, DESTROY per flow) for throughput measurements. */
public final class PublishThroughputTestLines {
    private PublishThroughputTestLines() {}

    public static List<String> lines(int n) {
        List<String> out = new ArrayList<>(n);
        String[] kinds = {"    [NEW] ipv4     2 tcp      6 120 SYN_SENT", " [UPDATE] ipv4     2 tcp      6 60 SYN_RECV",
            " [UPDATE] ipv4     2 tcp      6 432000 ESTABLISHED", "[DESTROY] ipv4     2 tcp      6 TIME_WAIT"};
        for (int i = 0; i < n; i++) {
            int port = 1024 + (i / 4) % 60000;
            String ts = String.format(Locale.ROOT, "[%d.%-6d]", 1_700_000_000L + i / 100_000, i % 100_000);
            out.add(ts + "\t" + kinds[i % 4] + " src=10.244." + (i % 200) + ".2 dst=10.96.0.10 sport=" + port
                    + " dport=80 src=10.244.1.3 dst=10.244." + (i % 200) + ".2 sport=8080 dport=" + port
                    + (i % 4 == 2 ? " [ASSURED]" : "") + " id=" + (100000 + i / 4));
        }
        return out;
    }
}
