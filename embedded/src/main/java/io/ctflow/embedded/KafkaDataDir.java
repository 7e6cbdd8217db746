package io.ctflow.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import kafka.server.KafkaConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's data directory: {@code metadata/} (the KRaft metadata log) and {@code logs/} (the
 * partitions). Formatted only when empty (as {@code kafka-storage.sh format} does), reused as is
 * when it holds {@code metadata/meta.properties}, refused when another broker holds its lock or it
 * holds something else.
 */
final class KafkaDataDir {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    /** Written by the storage formatter; its presence in the metadata dir means "already formatted". */
    static final String META_PROPERTIES = "meta.properties";
    static final String METADATA_SUBDIR = "metadata";
    static final String LOGS_SUBDIR = "logs";

    private final Path dir;
    private final boolean owned;
    private String clusterId;

    private KafkaDataDir(Path dir, boolean owned) {
        this.dir = dir;
        this.owned = owned;
    }

    /**
     * Opens {@code requested} (created if missing), or a fresh temp directory when null, and reads
     * its cluster id when it is formatted.
     */
    static KafkaDataDir open(Path requested, int nodeId) {
        KafkaDataDir d;
        try {
            if (requested == null) {
                d = new KafkaDataDir(Files.createTempDirectory("ctflow-kafka-"), true);
            } else {
                Path p = requested.toAbsolutePath().normalize();
                if (Files.exists(p) && !Files.isDirectory(p)) {
                    throw new IllegalStateException("Kafka data directory " + p + " is not a directory");
                }
                Files.createDirectories(p);
                d = new KafkaDataDir(p, false);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create Kafka data directory "
                    + (requested != null ? requested : "in " + System.getProperty("java.io.tmpdir")) + ": " + e, e);
        }
        d.readFormat(nodeId);
        return d;
    }

    Path path() {
        return dir;
    }

    Path metadata() {
        return dir.resolve(METADATA_SUBDIR);
    }

    Path logs() {
        return dir.resolve(LOGS_SUBDIR);
    }

    /** The stored cluster id, or null before {@link #format}. */
    String clusterId() {
        return clusterId;
    }

    private void readFormat(int nodeId) {
        Path metaFile = metadata().resolve(META_PROPERTIES);
        if (!Files.exists(metaFile)) {
            requireEmpty();
            return;
        }
        Properties meta = new Properties();
        try (InputStream in = Files.newInputStream(metaFile)) {
            meta.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("Kafka data directory " + metaFile.getParent() + " has an unreadable "
                    + META_PROPERTIES + ": " + e, e);
        }
        String storedNode = meta.getProperty("node.id");
        if (storedNode != null && !storedNode.trim().equals(String.valueOf(nodeId))) {
            throw new IllegalStateException("Kafka data directory " + dir + " belongs to node " + storedNode.trim()
                    + ", not node " + nodeId);
        }
        String storedCluster = meta.getProperty("cluster.id");
        if (storedCluster == null || storedCluster.isBlank()) {
            throw new IllegalStateException("Kafka data directory " + dir + " has a " + META_PROPERTIES + " without cluster.id");
        }
        clusterId = storedCluster.trim();
        LOG.debug("Reusing formatted Kafka data directory {} (cluster {})", dir, clusterId);
    }

    private void requireEmpty() {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                throw new IllegalStateException("Kafka data directory " + dir + " is not empty and is not a Kafka"
                        + " data directory (found " + entry.getFileName() + " but no " + METADATA_SUBDIR + "/"
                        + META_PROPERTIES + "); use an empty or previously used directory");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read Kafka data directory " + dir + ": " + e, e);
        }
    }

    /**
     * Fails fast if another broker holds Kafka's {@code .lock}. Kafka would detect this too, but only
     * after its controller had started, and its start-up fault handler terminates the JVM.
     */
    void requireNotLocked() {
        if (lockedByAnotherBroker()) {
            throw inUse(null);
        }
    }

    /** Whether another broker (in this JVM or another process) holds the lock of either sub-directory. */
    boolean lockedByAnotherBroker() {
        return locked(metadata()) || locked(logs());
    }

    private static boolean locked(Path d) {
        if (!Files.isDirectory(d)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(d.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return true; // held by another process
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // held by another broker in this JVM
        } catch (IOException e) {
            throw new IllegalStateException("cannot lock Kafka data directory " + d + ": " + e, e);
        }
    }

    IllegalStateException inUse(Throwable cause) {
        return new IllegalStateException("Kafka data directory " + dir
                + " is in use by another Kafka broker (in this or another process)", cause);
    }

    /** Formats the (empty) directory the same way {@code kafka.tools.StorageTool format} does. */
    void format(KafkaConfig config) {
        String newClusterId = Uuid.randomUuid().toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            Formatter formatter = new Formatter()
                    .setPrintStream(ps)
                    .setNodeId(config.nodeId())
                    .setClusterId(newClusterId)
                    // This node is a controller: write the bootstrap snapshot into the metadata log dir.
                    .setWriteBootstrapSnapshot(true)
                    .setUnstableFeatureVersionsEnabled(config.unstableFeatureVersionsEnabled())
                    .setIgnoreFormatted(false)
                    .setControllerListenerName(config.controllerListenerNames().get(0))
                    .setMetadataLogDirectory(config.metadataLogDir())
                    // Static voters (controller.quorum.voters is always set) => kraft.version 0 and no
                    // --standalone/--initial-controllers, exactly as StorageTool decides it.
                    .setHasDynamicQuorum(false);
            for (String d : config.logDirs()) {
                formatter.addDirectory(d);
            }
            formatter.addDirectory(config.metadataLogDir());
            formatter.run();
        } catch (Exception e) {
            throw new IllegalStateException("could not format Kafka data directory " + dir + ": "
                    + StartupFailure.describe(e), e);
        }
        clusterId = newClusterId;
        LOG.debug("Formatted {}: {}", dir, out.toString(StandardCharsets.UTF_8).trim());
    }

    /** Deletes a temp directory this class created; a kept one stays. */
    void deleteIfOwned() {
        if (owned) {
            try {
                Utils.delete(dir.toFile());
            } catch (IOException e) {
                LOG.warn("Could not delete Kafka temp directory {}: {}", dir, e.toString());
            }
        }
    }
}
