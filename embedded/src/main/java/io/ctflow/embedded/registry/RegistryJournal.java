package io.ctflow.embedded.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The registry's changes as JSON lines in one file, so a registry started again on the same
 * directory answers every schema id and version it gave before. Each change is written and forced
 * to disk before the HTTP answer leaves (registrations are rare: a handful per schema, not per record).
 * Replaying the lines in order through the store rebuilds the same ids, versions and levels; a
 * registration whose replayed id differs means the file is not this registry's, and start fails.
 *
 * <pre>
 * {"op":"register","subject":"ctflow.events-value","id":1,"schema":"{...}"}
 * {"op":"deleteSubject","subject":"s","permanent":false}
 * {"op":"deleteVersion","subject":"s","version":"2","permanent":false}
 * {"op":"globalLevel","level":"FULL"}
 * {"op":"subjectLevel","subject":"s","level":"NONE"}      (level null: removed)
 * </pre>
 */
final class RegistryJournal implements AutoCloseable {
    static final String FILE_NAME = "schemas.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;

    private RegistryJournal(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Replays {@code dir/schemas.jsonl} into the empty store, then journals the store's changes to it. */
    static RegistryJournal open(Path dir, RegistryStore store) {
        Path file = dir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dir);
            if (Files.exists(file)) {
                replay(file, store);
            }
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            RegistryJournal j = new RegistryJournal(file, ch);
            store.journal(j);
            return j;
        } catch (IOException e) {
            throw io.ctflow.config.StartupProblem.failure("cannot use the schema registry's data directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void replay(Path file, RegistryStore store) throws IOException {
        String all = Files.readString(file, StandardCharsets.UTF_8);
        List<String> lines = all.lines().toList();
        // A line without its newline was cut by a crash before its change was answered: drop it, and cut
        // it from the file so the next change starts on a line of its own.
        int complete = lines.size();
        if (!all.isEmpty() && !all.endsWith("\n")) {
            complete--;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(all.substring(0, all.lastIndexOf('\n') + 1).getBytes(StandardCharsets.UTF_8).length);
            }
        }
        for (int i = 0; i < complete; i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                apply(JSON.readTree(line), store);
            } catch (JsonProcessingException | RuntimeException e) {
                throw new IllegalStateException(file + ":" + (i + 1) + ": cannot replay the registry's journal: "
                        + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
            }
        }
    }

    private static void apply(JsonNode n, RegistryStore store) {
        String op = n.path("op").asText();
        String subject = n.path("subject").asText(null);
        switch (op) {
            case "register" -> {
                int id = store.register(subject, RegistryStore.parse(n.path("schema").asText()));
                if (id != n.path("id").asInt()) {
                    throw new IllegalStateException("schema id " + n.path("id").asInt() + " replays as " + id);
                }
            }
            case "deleteSubject" -> store.deleteSubject(subject, n.path("permanent").asBoolean());
            case "deleteVersion" -> store.deleteVersion(subject, n.path("version").asText(), n.path("permanent").asBoolean());
            case "globalLevel" -> store.setGlobalLevel(n.path("level").asText());
            case "subjectLevel" -> {
                if (n.path("level").isTextual()) {
                    store.setSubjectLevel(subject, n.path("level").asText());
                } else {
                    store.deleteSubjectLevel(subject);
                }
            }
            default -> throw new IllegalStateException("unknown op '" + op + "'");
        }
    }

    static ObjectNode entry(String op) {
        return JSON.createObjectNode().put("op", op);
    }

    /** Appends one change and forces it to disk; called under the store's lock. */
    void append(ObjectNode change) {
        try {
            ByteBuffer b = ByteBuffer.wrap((JSON.writeValueAsString(change) + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                channel.write(b);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the registry's journal " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a file we only appended to and forced
        }
    }
}
