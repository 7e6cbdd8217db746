package io.ctflow.cli.simulate;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One node's {@code events-NODE.txt}: lines in its clock's time order, with netlink overflow (when
 * asked) as {@link LossModel} decides. A fleet has thousands of these, so none keeps a file open:
 * each buffers up to 64 KiB (less in large fleets: 64 MiB in all) and appends it when full.
 */
final class NodeEventWriter {
    private static final int MAX_BUFFER = 64 * 1024;
    private static final int MIN_BUFFER = 8 * 1024;
    private static final int ALL_BUFFERS = 64 * 1024 * 1024;

    private final Path file;
    private final LossModel loss;
    private final byte[] buf;
    private int pos;
    long written;
    long lost;
    /** Entries in the node's table now (NEW minus DESTROY, lost events included: the kernel had them). */
    long live;
    long newEntries;
    /** Snapshot lines written after losses. */
    long snapshotLines;
    private final int nodeIndex;
    // The node's table: entries created and not yet destroyed (lost events included), in creation order.
    private final java.util.LinkedHashSet<Connection> table = new java.util.LinkedHashSet<>();
    private boolean inBurst;

    NodeEventWriter(Path file, LossModel loss, int nodes, int nodeIndex) throws IOException {
        this.file = file;
        this.nodeIndex = nodeIndex;
        this.loss = loss;
        this.buf = new byte[Math.max(MIN_BUFFER, Math.min(MAX_BUFFER, ALL_BUFFERS / nodes))];
        Files.write(file, new byte[0]);
    }

    /**
     * Writes event {@code index} of {@code c}, or drops it in a loss burst, writing a loss line where
     * a burst starts. Any event may be lost, an anomalous connection's too: the truth says what
     * happened on the node, and what the app could not see counts against its recall.
     */
    void event(Connection c, int index, long printedMicros, LineRenderer renderer) throws IOException {
        Step.Type type = c.step[index].type;
        LossModel.Verdict verdict = loss.next();
        if (verdict == LossModel.Verdict.KEEP && inBurst) {
            resync(c, index, printedMicros, renderer);
        }
        inBurst = verdict != LossModel.Verdict.KEEP;
        if (type == Step.Type.NEW) {
            live++;
            newEntries++;
            table.add(c);
        } else if (type == Step.Type.DESTROY) {
            live--;
            table.remove(c);
        }
        if (pos + LineRenderer.MAX_LINE > buf.length) {
            flush();
        }
        if (verdict == LossModel.Verdict.KEEP) {
            pos = renderer.event(buf, pos, c, index, printedMicros);
            written++;
            return;
        }
        if (verdict == LossModel.Verdict.DROP_FIRST) {
            pos = renderer.lost(buf, pos, printedMicros);
        }
        lost++;
    }

    /**
     * After a loss, what the live collector does: a dump of the node's table (conntrack -L), one
     * snapshot line per entry as it stands now, so the app sees the entries whose events it missed.
     */
    private void resync(Connection current, int currentIndex, long printedMicros, LineRenderer renderer) throws IOException {
        for (Connection c : table) {
            int last = -1;
            for (int j = (c == current ? currentIndex : c.next) - 1; j >= 0; j--) {
                if (c.node[c.view[j]] == nodeIndex) {
                    last = j;
                    break;
                }
            }
            if (last < 0) {
                continue;
            }
            if (pos + LineRenderer.MAX_LINE > buf.length) {
                flush();
            }
            pos = renderer.snapshot(buf, pos, c, last, printedMicros);
            snapshotLines++;
        }
    }

    void flush() throws IOException {
        if (pos == 0) {
            return;
        }
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.APPEND)) {
            out.write(buf, 0, pos);
        }
        pos = 0;
    }
}
