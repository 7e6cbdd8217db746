package io.ctflow.embedded.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.ctflow.schemas.registry.SchemaRegistryClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry started again on its data directory answers every id, version and level it gave before. */
class RegistryPersistenceTest {
    static final Schema V1 = RegistryApiTest.V1;
    static final Schema V2 = RegistryApiTest.V2;
    static final Schema OTHER = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"O\",\"fields\":[{\"name\":\"x\",\"type\":\"long\"}]}");

    @TempDir
    Path dir;

    private static SchemaRegistryClient client(RegistryServer s) {
        return SchemaRegistryClient.create(Map.of("schema.registry.url", s.url()));
    }

    @Test
    void restartKeepsIdsVersionsDeletesAndLevels() {
        int v1;
        int v2;
        int other;
        try (RegistryServer s = RegistryServer.start("127.0.0.1", 0, dir)) {
            SchemaRegistryClient c = client(s);
            other = c.register("o-value", OTHER);
            v1 = c.register("r-value", V1);
            v2 = c.register("r-value", V2);
            c.register("gone-value", OTHER);
            c.deleteSubject("gone-value");
            c.setSubjectCompatibility("r-value", "NONE");
            c.setGlobalCompatibility("FULL");
        }
        try (RegistryServer s = RegistryServer.start("127.0.0.1", 0, dir)) {
            SchemaRegistryClient c = client(s);
            assertEquals(V1, c.getSchemaById(v1));
            assertEquals(V2, c.getSchemaById(v2));
            assertEquals(OTHER, c.getSchemaById(other));
            assertEquals(List.of(1, 2), c.getVersions("r-value"));
            assertEquals(v2, c.getLatestVersion("r-value").id());
            assertEquals(List.of("o-value", "r-value"), c.getSubjects());
            assertEquals(Optional.of("NONE"), c.getSubjectCompatibility("r-value"));
            assertEquals("FULL", c.getGlobalCompatibility());
            // New ids continue after the old ones.
            Schema third = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"T\",\"fields\":[]}");
            int t = c.register("t-value", third);
            assertTrue(t > Math.max(v1, Math.max(v2, other)), "new id " + t);
            assertEquals(3, s.schemaCount() - 1);
        }
    }

    @Test
    void aLineCutByACrashIsDroppedAndACorruptOneNamesFileAndLine() throws Exception {
        int id;
        try (RegistryServer s = RegistryServer.start("127.0.0.1", 0, dir)) {
            id = client(s).register("r-value", V1);
        }
        Path journal = dir.resolve("schemas.jsonl");
        Files.writeString(journal, "{\"op\":\"register\",\"subj", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        int other;
        try (RegistryServer s = RegistryServer.start("127.0.0.1", 0, dir)) {
            assertEquals(V1, client(s).getSchemaById(id));
            other = client(s).register("o-value", OTHER);
        }
        try (RegistryServer s = RegistryServer.start("127.0.0.1", 0, dir)) {
            assertEquals(OTHER, client(s).getSchemaById(other));
        }
        Files.writeString(journal, "{\"op\":\"register\",\"subject\":\"r-value\",\"id\":1,\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Z\\\",\\\"fields\\\":[]}\"}\n");
        Files.writeString(journal, "not json\n", StandardOpenOption.APPEND);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RegistryServer.start("127.0.0.1", 0, dir));
        assertTrue(e.getMessage().startsWith(journal + ":2: "), e.getMessage());
    }
}
