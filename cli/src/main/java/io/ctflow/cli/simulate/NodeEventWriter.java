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

    NodeEventWriter(Path file, LossModel loss, int nodes) throws IOException {
        this.file = file;
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
        if (type == Step.Type.NEW) {
            live++;
            newEntries++;
        } else if (type == Step.Type.DESTROY) {
            live--;
        }
        LossModel.Verdict verdict = loss.next();
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
