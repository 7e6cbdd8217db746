package io.ctflow.embedded.registry;

import io.ctflow.schemas.registry.RegistryException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * The registry's state and rules, in memory, independent of HTTP. Every public method is
 * synchronized: the registry is small and slow paths are rare, so one lock keeps ids, versions and
 * compatibility checks consistent without cleverness.
 */
final class RegistryStore {

    /** An error answer: HTTP status plus Confluent error_code. */
    static final class ApiError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final int code;

        ApiError(int status, int code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }

    enum Level {
        NONE(false, false, false), BACKWARD(true, false, false), BACKWARD_TRANSITIVE(true, false, true),
        FORWARD(false, true, false), FORWARD_TRANSITIVE(false, true, true), FULL(true, true, false), FULL_TRANSITIVE(true, true, true);

        final boolean backward;
        final boolean forward;
        final boolean transitive;

        Level(boolean backward, boolean forward, boolean transitive) {
            this.backward = backward;
            this.forward = forward;
            this.transitive = transitive;
        }

        static Level parse(String s) {
            if (s != null) {
                try {
                    return valueOf(s.trim().toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    // below
                }
            }
            throw new ApiError(422, RegistryException.INVALID_COMPATIBILITY_LEVEL,
                    "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive");
        }
    }

    /** A registered schema: its global id, parsed form, and the text served back. */
    record Stored(int id, Schema schema, String text) {}

    static final class Version {
        final int version;
        final int id;
        boolean deleted;

        Version(int version, int id) {
            this.version = version;
            this.id = id;
        }
    }

    static final class Subject {
        final List<Version> versions = new ArrayList<>();
        int lastVersion;

        List<Version> live() {
            return versions.stream().filter(v -> !v.deleted).toList();
        }
    }

    private final Map<Integer, Stored> byId = new HashMap<>();
    private final Map<String, Integer> idByText = new HashMap<>();
    private final Map<String, Subject> subjects = new TreeMap<>();
    private final Map<String, Level> subjectLevels = new HashMap<>();
    private Level global = Level.BACKWARD;
    private int nextId = 1;
    private RegistryJournal journal; // null: in memory only

    synchronized void journal(RegistryJournal j) {
        this.journal = j;
    }

    private void record(com.fasterxml.jackson.databind.node.ObjectNode change) {
        if (journal != null) {
            journal.append(change);
        }
    }

    /**
     * Parses a schema as the registry judges identity: Avro's parsed JSON form. It normalizes
     * whitespace and attribute order but keeps docs, defaults and custom properties, which change
     * what a reader does, so two schemas differing in a default get two ids (as Confluent does).
     */
    static Schema parse(String text) {
        if (text == null || text.isBlank()) {
            throw new ApiError(422, RegistryException.INVALID_SCHEMA, "Invalid schema: empty");
        }
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw new ApiError(422, RegistryException.INVALID_SCHEMA, "Invalid schema " + abbreviate(text) + ": " + e.getMessage());
        }
    }

    synchronized int register(String subjectName, Schema schema) {
        String text = schema.toString();
        Subject subject = subjects.get(subjectName);
        Integer known = idByText.get(text);
        if (subject != null && known != null) {
            for (Version v : subject.live()) {
                if (v.id == known) {
                    return known; // already a version of this subject: no new version
                }
            }
        }
        List<Schema> existing = subject == null ? List.of() : subject.live().stream().map(v -> byId.get(v.id).schema()).toList();
        List<String> problems = incompatibilities(levelOf(subjectName), schema, existing);
        if (!problems.isEmpty()) {
            throw new ApiError(409, RegistryException.INCOMPATIBLE_SCHEMA, "Schema being registered is incompatible with an earlier schema for subject \""
                    + subjectName + "\", details: " + problems);
        }
        int id = known != null ? known : newId(schema, text);
        if (subject == null) {
            subject = new Subject();
            subjects.put(subjectName, subject);
        }
        subject.versions.add(new Version(++subject.lastVersion, id));
        record(RegistryJournal.entry("register").put("subject", subjectName).put("id", id).put("schema", text));
        return id;
    }

    private int newId(Schema schema, String text) {
        int id = nextId++;
        byId.put(id, new Stored(id, schema, text));
        idByText.put(text, id);
        return id;
    }

    /** The version of the subject holding this schema. */
    synchronized Map<String, Object> lookup(String subjectName, Schema schema, boolean includeDeleted) {
        Subject subject = subject(subjectName, includeDeleted);
        Integer id = idByText.get(schema.toString());
        if (id != null) {
            for (Version v : subject.versions) {
                if (v.id == id && (includeDeleted || !v.deleted)) {
                    return versionJson(subjectName, v);
                }
            }
        }
        throw new ApiError(404, RegistryException.SCHEMA_NOT_FOUND, "Schema not found");
    }

    synchronized Stored byId(int id) {
        Stored s = byId.get(id);
        if (s == null) {
            throw new ApiError(404, RegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return s;
    }

    /** (subject, version) pairs that hold the id. */
    synchronized List<Map<String, Object>> usesOf(int id, boolean includeDeleted) {
        byId(id);
        List<Map<String, Object>> out = new ArrayList<>();
        subjects.forEach((name, s) -> s.versions.stream().filter(v -> v.id == id && (includeDeleted || !v.deleted))
                .forEach(v -> {
                    Map<String, Object> m = new LinkedHashMap<>(); // Confluent's field order; Map.of's is random
                    m.put("subject", name);
                    m.put("version", v.version);
                    out.add(m);
                }));
        return out;
    }

    synchronized List<String> subjects(boolean includeDeleted) {
        return subjects.entrySet().stream().filter(e -> includeDeleted || !e.getValue().live().isEmpty()).map(Map.Entry::getKey).toList();
    }

    synchronized List<Integer> versions(String subjectName, boolean includeDeleted) {
        Subject s = subject(subjectName, includeDeleted);
        return s.versions.stream().filter(v -> includeDeleted || !v.deleted).map(v -> v.version).toList();
    }

    synchronized Map<String, Object> version(String subjectName, String version, boolean includeDeleted) {
        Subject s = subject(subjectName, includeDeleted);
        return versionJson(subjectName, find(s, version, includeDeleted));
    }

    /** Soft delete (marks the versions), or permanent (forgets the subject; its ids stay resolvable, as in Confluent). */
    synchronized List<Integer> deleteSubject(String subjectName, boolean permanent) {
        Subject s = subjects.get(subjectName);
        if (s == null) {
            throw notFound(subjectName);
        }
        if (permanent) {
            if (!s.live().isEmpty()) {
                throw new ApiError(404, RegistryException.SUBJECT_NOT_SOFT_DELETED,
                        "Subject '" + subjectName + "' was not deleted first before being permanently deleted");
            }
            subjects.remove(subjectName);
            subjectLevels.remove(subjectName);
            record(RegistryJournal.entry("deleteSubject").put("subject", subjectName).put("permanent", true));
            return s.versions.stream().map(v -> v.version).toList();
        }
        List<Version> live = s.live();
        if (live.isEmpty()) {
            throw new ApiError(404, RegistryException.SUBJECT_SOFT_DELETED,
                    "Subject '" + subjectName + "' was soft deleted. Set permanent=true to delete permanently");
        }
        live.forEach(v -> v.deleted = true);
        record(RegistryJournal.entry("deleteSubject").put("subject", subjectName).put("permanent", false));
        return live.stream().map(v -> v.version).toList();
    }

    synchronized int deleteVersion(String subjectName, String version, boolean permanent) {
        Subject s = subject(subjectName, permanent);
        Version v = find(s, version, permanent);
        if (permanent) {
            if (!v.deleted) {
                throw new ApiError(404, RegistryException.VERSION_NOT_SOFT_DELETED,
                        "Subject '" + subjectName + "' Version " + v.version + " was not deleted first before being permanently deleted");
            }
            s.versions.remove(v);
            if (s.versions.isEmpty()) {
                subjects.remove(subjectName);
            }
        } else {
            v.deleted = true;
        }
        record(RegistryJournal.entry("deleteVersion").put("subject", subjectName).put("version", Integer.toString(v.version))
                .put("permanent", permanent));
        return v.version;
    }

    synchronized String globalLevel() {
        return global.name();
    }

    synchronized String setGlobalLevel(String level) {
        global = Level.parse(level);
        record(RegistryJournal.entry("globalLevel").put("level", global.name()));
        return global.name();
    }

    /** The subject's own level; null when it has none. */
    synchronized String subjectLevel(String subjectName) {
        Level l = subjectLevels.get(subjectName);
        return l == null ? null : l.name();
    }

    synchronized String setSubjectLevel(String subjectName, String level) {
        Level l = Level.parse(level);
        subjectLevels.put(subjectName, l);
        record(RegistryJournal.entry("subjectLevel").put("subject", subjectName).put("level", l.name()));
        return l.name();
    }

    /** Removes the subject's own level; returns what it was (null: it had none). */
    synchronized String deleteSubjectLevel(String subjectName) {
        Level l = subjectLevels.remove(subjectName);
        if (l != null) {
            record(RegistryJournal.entry("subjectLevel").put("subject", subjectName).putNull("level"));
        }
        return l == null ? null : l.name();
    }

    /**
     * Why the schema would be refused: against one version ("latest" or a number, without
     * transitivity, as Confluent's compatibility endpoint does), or with version null against
     * the subject under its level. An empty list means compatible.
     */
    synchronized List<String> checkCompatibility(String subjectName, String version, Schema schema) {
        Subject s = subjects.get(subjectName);
        if (version == null) {
            List<Schema> existing = s == null ? List.of() : s.live().stream().map(v -> byId.get(v.id).schema()).toList();
            return incompatibilities(levelOf(subjectName), schema, existing);
        }
        if (s == null || s.live().isEmpty()) {
            if (isLatest(version)) {
                return List.of(); // nothing to be incompatible with: Confluent answers true
            }
            throw notFound(subjectName);
        }
        Version v = find(s, version, false);
        Level level = levelOf(subjectName);
        Level single = level.backward && level.forward ? Level.FULL : level.backward ? Level.BACKWARD : level.forward ? Level.FORWARD : Level.NONE;
        return incompatibilities(single, schema, List.of(byId.get(v.id).schema()));
    }

    synchronized long schemaCount() {
        return byId.size();
    }

    private Level levelOf(String subjectName) {
        return subjectLevels.getOrDefault(subjectName, global);
    }

    private static List<String> incompatibilities(Level level, Schema candidate, List<Schema> existing) {
        if (level == Level.NONE || existing.isEmpty()) {
            return List.of();
        }
        List<Schema> against = level.transitive ? existing : List.of(existing.get(existing.size() - 1));
        List<String> out = new ArrayList<>();
        for (Schema old : against) {
            if (level.backward) {
                describe("BACKWARD", SchemaCompatibility.checkReaderWriterCompatibility(candidate, old), out);
            }
            if (level.forward) {
                describe("FORWARD", SchemaCompatibility.checkReaderWriterCompatibility(old, candidate), out);
            }
        }
        return out;
    }

    private static void describe(String direction, SchemaPairCompatibility c, List<String> out) {
        if (c.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (Incompatibility i : c.getResult().getIncompatibilities()) {
            out.add(direction + ": " + i.getType() + " at " + i.getLocation() + ": " + i.getMessage());
        }
        if (c.getResult().getIncompatibilities().isEmpty()) {
            out.add(direction + ": " + c.getDescription());
        }
    }

    private Subject subject(String name, boolean includeDeleted) {
        Subject s = subjects.get(name);
        if (s == null || (!includeDeleted && s.live().isEmpty())) {
            throw notFound(name);
        }
        return s;
    }

    private static ApiError notFound(String subject) {
        return new ApiError(404, RegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    private static boolean isLatest(String version) {
        return version.equalsIgnoreCase("latest") || version.equals("-1");
    }

    private static Version find(Subject s, String version, boolean includeDeleted) {
        List<Version> candidates = includeDeleted ? s.versions : s.live();
        if (isLatest(version)) {
            if (candidates.isEmpty()) {
                throw new ApiError(404, RegistryException.VERSION_NOT_FOUND, "Version latest not found.");
            }
            return candidates.get(candidates.size() - 1);
        }
        int n;
        try {
            n = Integer.parseInt(version);
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n < 1) {
            throw new ApiError(422, RegistryException.INVALID_VERSION, "The specified version '" + version
                    + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
        }
        for (Version v : candidates) {
            if (v.version == n) {
                return v;
            }
        }
        throw new ApiError(404, RegistryException.VERSION_NOT_FOUND, "Version " + n + " not found.");
    }

    private Map<String, Object> versionJson(String subject, Version v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subject", subject);
        m.put("version", v.version);
        m.put("id", v.id);
        m.put("schema", byId.get(v.id).text());
        return m;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
