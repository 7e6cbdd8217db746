package io.ctflow.collector.live;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The commands and files {@link ServicesReader} needs of a node: {@link NodeAccess} in the
 * collector, canned outputs in tests (the real tools may be installed where tests run).
 */
public interface NodeTools {
    /** Runs {@code tool args} on the node; null when the tool is not installed. */
    NodeAccess.Result run(String tool, String... args) throws IOException, InterruptedException;

    /** A file of the node ({@code /proc/net/ip_vs}); null when it does not exist or cannot be read. */
    String read(String path) throws IOException, InterruptedException;

    /** The node {@code access} reaches (this host or a network namespace). */
    static NodeTools of(NodeAccess access, Duration timeout) {
        return new NodeTools() {
            @Override
            public NodeAccess.Result run(String tool, String... args) throws IOException, InterruptedException {
                return access.find(tool) == null ? null : access.run(access.command(tool, args), timeout);
            }

            @Override
            public String read(String path) throws IOException, InterruptedException {
                if (access.netns() == null) {
                    Path p = Path.of(path);
                    return Files.isReadable(p) ? Files.readString(p, StandardCharsets.UTF_8) : null;
                }
                // /proc/net is per network namespace of the reading process: read it inside
                NodeAccess.Result r = access.run(access.command("cat", path), timeout);
                return r.ok() ? r.stdout() : null;
            }
        };
    }
}
