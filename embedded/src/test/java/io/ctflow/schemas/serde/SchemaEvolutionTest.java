package io.ctflow.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.ServiceStats;
import io.ctflow.schemas.registry.RegistryException;
import io.ctflow.schemas.registry.SchemaRegistryClient;
import io.ctflow.embedded.registry.RegistryServer;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Records written with an older schema read into the current generated class; the registry judges evolution. */
class SchemaEvolutionTest {
    static RegistryServer registry;
    static Map<String, Object> config;

    /** ServiceStats as a first release had it: no serviceAddress, replied/unreplied, states, backends, percentiles, clients. */
    static final Schema SERVICE_STATS_V1 = new Schema.Parser().parse("""
            {"type":"record","name":"ServiceStats","namespace":"io.ctflow.avro","fields":[
              {"name":"service","type":"string"},
              {"name":"windowStart","type":{"type":"long","logicalType":"timestamp-micros"}},
              {"name":"windowEnd","type":{"type":"long","logicalType":"timestamp-micros"}},
              {"name":"newFlows","type":"long","default":0},
              {"name":"incompleteNat","type":{"type":"map","values":"long"},"default":{}},
              {"name":"active","type":"long","default":0}]}""");

    @BeforeAll
    static void start() {
        registry = RegistryServer.start("127.0.0.1", 0);
        config = Map.of("schema.registry.url", registry.url());
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    void oldRecordsReadIntoTheNewClassWithDefaultsAndTheRegistryAcceptsTheNewSchema() {
        GenericRecord old = new GenericData.Record(SERVICE_STATS_V1);
        old.put("service", "default/web:http");
        old.put("windowStart", Records.T);
        old.put("windowEnd", Records.T.plusSeconds(60));
        old.put("newFlows", 120L);
        old.put("incompleteNat", Map.of("HAIRPIN", 2L));
        old.put("active", 14L);
        // An old producer: registers v1 under ctflow.service-stats-value and writes with it.
        byte[] oldBytes = AvroSerdes.generic(config, false).serializer().serialize("ctflow.service-stats", old);

        SchemaRegistryClient client = SchemaRegistryClient.create(config);
        String subject = "ctflow.service-stats-value";
        assertEquals(List.of(1), client.getVersions(subject));
        assertTrue(client.testCompatibility(subject, ServiceStats.getClassSchema()), "new fields all have defaults: BACKWARD");

        // The new producer registers v2 (accepted as BACKWARD compatible) ...
        AvroSerde<ServiceStats> serde = AvroSerdes.specific(ServiceStats.class, config, false);
        byte[] newBytes = serde.serializer().serialize("ctflow.service-stats", Records.serviceStats());
        assertEquals(List.of(1, 2), client.getVersions(subject));

        // ... and the new consumer reads both.
        ServiceStats fromOld = serde.deserializer().deserialize("ctflow.service-stats", oldBytes);
        assertEquals("default/web:http", fromOld.getService());
        assertEquals(Records.T, fromOld.getWindowStart());
        assertEquals(120L, fromOld.getNewFlows());
        assertEquals(Map.of("HAIRPIN", 2L), fromOld.getIncompleteNat());
        assertEquals(14L, fromOld.getActive());
        assertEquals("", fromOld.getServiceAddress(), "defaults for what v1 lacks");
        assertEquals(0L, fromOld.getReplied());
        assertEquals(0L, fromOld.getClients());
        assertEquals(Map.of(), fromOld.getBackends());
        assertNull(fromOld.getSetupP99Micros());
        assertEquals(Records.serviceStats(), serde.deserializer().deserialize("ctflow.service-stats", newBytes));
    }

    @Test
    void anIncompatibleSchemaIs409AtTheRegistryAndAClearSerializationException() {
        Schema deadLetterV1 = DeadLetter.getClassSchema();
        GenericRecord d = new GenericData.Record(deadLetterV1);
        d.put("node", "n");
        d.put("source", "s");
        d.put("position", 1L);
        d.put("reason", "r");
        d.put("raw", ByteBuffer.wrap(new byte[0]));
        d.put("timestamp", Records.T);
        AvroSerdes.generic(config, false).serializer().serialize("evolve.dlq", d);

        // A new required field without a default: new readers cannot read old data.
        Schema noDefault = new Schema.Parser().parse(deadLetterV1.toString().replace("\"fields\":[",
                "\"fields\":[{\"name\":\"cluster\",\"type\":\"string\"},"));
        // A changed field type: position long -> string.
        Schema retyped = new Schema.Parser().parse(deadLetterV1.toString().replace(
                "{\"name\":\"position\",\"type\":\"long\"", "{\"name\":\"position\",\"type\":\"string\""));
        SchemaRegistryClient client = SchemaRegistryClient.create(config);
        for (Schema bad : List.of(noDefault, retyped)) {
            assertFalse(client.testCompatibility("evolve.dlq-value", bad));
            RegistryException e = assertThrows(RegistryException.class, () -> client.register("evolve.dlq-value", bad));
            assertEquals(409, e.status());
            assertEquals(409, e.errorCode());
            assertTrue(e.serverMessage().contains("incompatible"), e.serverMessage());
        }
        assertFalse(client.checkCompatibility("evolve.dlq-value", noDefault).messages().isEmpty(), "verbose says why");

        GenericRecord n = new GenericData.Record(noDefault);
        for (Schema.Field f : deadLetterV1.getFields()) {
            n.put(f.name(), d.get(f.name()));
        }
        n.put("cluster", "c");
        SerializationException e = assertThrows(SerializationException.class,
                () -> AvroSerdes.generic(config, false).serializer().serialize("evolve.dlq", n));
        assertTrue(e.getMessage().startsWith("evolve.dlq: the registry refused schema io.ctflow.avro.DeadLetter for subject "
                + "evolve.dlq-value as incompatible"), e.getMessage());

        // NONE on the subject lets it through.
        client.setSubjectCompatibility("evolve.dlq-value", "NONE");
        client.register("evolve.dlq-value", noDefault);
        assertEquals(List.of(1, 2), client.getVersions("evolve.dlq-value"));
    }

    @Test
    void aWriterSchemaOfAnotherRecordCannotBeReadAsTheClass() {
        byte[] b = AvroSerdes.specific(DeadLetter.class, config, false).serializer().serialize("mixup", Records.deadLetter());
        SerializationException e = assertThrows(SerializationException.class,
                () -> AvroSerdes.specific(ServiceStats.class, config, false).deserializer().deserialize("mixup", b));
        assertTrue(e.getMessage().startsWith("mixup: schema id ") && e.getMessage().contains("(io.ctflow.avro.DeadLetter) cannot be read as "
                + "io.ctflow.avro.ServiceStats"), e.getMessage());
    }
}
