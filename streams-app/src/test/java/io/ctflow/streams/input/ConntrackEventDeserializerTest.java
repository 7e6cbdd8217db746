package io.ctflow.streams.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.embedded.registry.RegistryServer;
import io.ctflow.schemas.registry.SchemaRegistryClient;
import io.ctflow.schemas.serde.AvroDeserializer;
import io.ctflow.schemas.serde.AvroSerdes;
import io.ctflow.streams.AppSerdes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The events deserializer decodes the current schema by hand, leaves every other writer schema to Avro, and words bad bodies clearly. */
class ConntrackEventDeserializerTest {
    static final String TOPIC = "ctflow.events";
    /** ConntrackEvent as an older collector wrote it: no labels, no raw line. */
    static final Schema OLD = oldSchema();

    static RegistryServer registry;
    static Map<String, Object> config;
    static Serializer<ConntrackEvent> writer;
    static AvroDeserializer<ConntrackEvent> avro;

    @BeforeAll
    static void start() {
        registry = RegistryServer.start("127.0.0.1", 0);
        config = Map.of("schema.registry.url", registry.url());
        writer = AvroSerdes.specific(ConntrackEvent.class, config, false).serializer();
        avro = AvroSerdes.specific(ConntrackEvent.class, config, false).deserializer();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    static Schema oldSchema() {
        Schema current = ConntrackEvent.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            if (!f.name().equals("labels") && !f.name().equals("raw")) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
    }

    static ConntrackEventDeserializer fresh() {
        return new ConntrackEventDeserializer(AvroSerdes.specific(ConntrackEvent.class, config, false).deserializer());
    }

    static int id(byte[] b) {
        return ((b[1] & 0xff) << 24) | ((b[2] & 0xff) << 16) | ((b[3] & 0xff) << 8) | (b[4] & 0xff);
    }

    @Test
    void theCurrentSchemaIsDecodedByHandIntoWhatAvroReads() {
        ConntrackEventDeserializer events = fresh();
        Random r = new Random(1);
        byte[] first = writer.serialize(TOPIC, RandomEvents.event(r));
        assertNull(events.decodes(id(first)));
        assertEquals(avro.deserialize(TOPIC, first), events.deserialize(TOPIC, first));
        assertEquals(Boolean.TRUE, events.decodes(id(first)));
        for (int i = 0; i < 2000; i++) {
            byte[] b = writer.serialize(TOPIC, RandomEvents.event(r));
            assertEquals(avro.deserialize(TOPIC, b), events.deserialize(TOPIC, b));
        }
        assertNull(events.deserialize(TOPIC, null), "a tombstone");
    }

    /** Kafka Streams shares one instance between its threads: each thread must read with its own decoder. */
    @Test
    void threadsSharingOneInstanceEachReadWhatAvroReads() throws Exception {
        ConntrackEventDeserializer events = fresh();
        Random r = new Random(5);
        List<byte[]> records = new ArrayList<>();
        List<ConntrackEvent> expected = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            byte[] b = writer.serialize(TOPIC, RandomEvents.event(r));
            records.add(b);
            expected.add(avro.deserialize(TOPIC, b));
        }
        List<String> wrong = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger right = new AtomicInteger();
        IntFunction<Thread> reader = offset -> new Thread(() -> {
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < records.size(); i++) {
                    int k = (i + offset) % records.size();
                    try {
                        if (expected.get(k).equals(events.deserialize(TOPIC, records.get(k)))) {
                            right.incrementAndGet();
                        } else {
                            wrong.add(Thread.currentThread().getName() + " record " + k);
                        }
                    } catch (RuntimeException e) {
                        wrong.add(Thread.currentThread().getName() + " record " + k + ": " + e);
                    }
                }
            }
        });
        Thread first = reader.apply(0); // reads alone, then ends: a later thread takes its place
        first.start();
        first.join();
        Thread a = reader.apply(1000);
        Thread b = reader.apply(2000);
        a.start();
        b.start();
        a.join();
        b.join();
        assertEquals(List.of(), wrong.subList(0, Math.min(5, wrong.size())));
        assertEquals(3 * 5 * records.size(), right.get());
    }

    @Test
    void anOlderWriterSchemaIsReadByAvroWithItsDefaults() {
        ConntrackEvent current = RandomEvents.event(new Random(2));
        current.setLabels("mark=1");
        current.setRaw("[1] NEW tcp ...");
        GenericRecord old = new GenericData.Record(OLD);
        for (Schema.Field f : OLD.getFields()) {
            old.put(f.name(), f.name().equals("timestamp") ? current.getTimestamp() : current.get(f.name()));
        }
        // another producer with the old schema: the registry gives it its own id under the same subject
        Map<String, Object> c = new HashMap<>(config);
        byte[] oldBytes = AvroSerdes.generic(c, false).serializer().serialize("ctflow.old-events", old);
        byte[] newBytes = AvroSerdes.specific(ConntrackEvent.class, config, false).serializer().serialize("ctflow.old-events", current);
        SchemaRegistryClient client = SchemaRegistryClient.create(config);
        assertEquals(List.of(1, 2), client.getVersions("ctflow.old-events-value"));
        assertTrue(id(oldBytes) != id(newBytes));

        ConntrackEventDeserializer events = fresh();
        for (int round = 0; round < 3; round++) { // interleaved: the last-id shortcut must not mix them up
            ConntrackEvent fromOld = events.deserialize("ctflow.old-events", oldBytes);
            assertEquals(avro.deserialize("ctflow.old-events", oldBytes), fromOld);
            assertNull(fromOld.getLabels(), "default for what the old schema lacks");
            assertNull(fromOld.getRaw());
            assertEquals(current.getNode(), fromOld.getNode());
            assertEquals(current.getTimestamp(), fromOld.getTimestamp());
            assertEquals(current, events.deserialize("ctflow.old-events", newBytes));
        }
        assertEquals(Boolean.FALSE, events.decodes(id(oldBytes)), "the old schema is read by Avro");
        assertEquals(Boolean.TRUE, events.decodes(id(newBytes)));
    }

    @Test
    void theAppsEventsSerdeUsesItWithTheSameSettings() {
        Deserializer<ConntrackEvent> d = AppSerdes.create(new HashMap<>(config)).events().deserializer();
        assertTrue(d instanceof ConntrackEventDeserializer, d.getClass().getName());
        byte[] b = writer.serialize(TOPIC, RandomEvents.event(new Random(3)));
        assertEquals(avro.deserialize(TOPIC, b), d.deserialize(TOPIC, b));
        assertEquals(Boolean.TRUE, ((ConntrackEventDeserializer) d).decodes(id(b)));
    }

    static SerializationException fails(Executable e, String message) {
        SerializationException ex = assertThrows(SerializationException.class, e);
        assertEquals(message, ex.getMessage());
        return ex;
    }

    @Test
    void truncatedAndCorruptBodiesSayWhatIsWrongWhere() {
        ConntrackEventDeserializer events = fresh();
        ConntrackEvent e = RandomEvents.event(new Random(4));
        e.setNode("n");
        e.setType(io.ctflow.avro.EventType.NEW);
        byte[] good = writer.serialize(TOPIC, e);
        int id = id(good);
        events.deserialize(TOPIC, good); // learns the id
        String where = TOPIC + ": truncated Avro body (schema id " + id + ", io.ctflow.avro.ConntrackEvent): ";

        fails(() -> events.deserialize(TOPIC, Arrays.copyOf(good, 6)), where + "1 bytes end inside the record (field node: a length of 1 bytes with 0 left)");
        fails(() -> events.deserialize(TOPIC, Arrays.copyOf(good, 7)), where + "2 bytes end inside the record (field type: the body ends inside a number)");
        for (int len = 5; len < good.length; len++) {
            byte[] cut = Arrays.copyOf(good, len);
            SerializationException ex = assertThrows(SerializationException.class, () -> events.deserialize(TOPIC, cut));
            assertTrue(ex.getMessage().startsWith(where + (len - 5) + " bytes end inside the record (field "), ex.getMessage());
        }

        String corrupt = TOPIC + ": corrupt Avro body (schema id " + id + ", io.ctflow.avro.ConntrackEvent): ";
        byte[] badEnum = good.clone();
        badEnum[7] = 14;
        fails(() -> events.deserialize(TOPIC, badEnum), corrupt + "field type: enum index 7 (the enum has 7 symbols)");
        byte[] badVarint = good.clone();
        Arrays.fill(badVarint, 7, 12, (byte) 0xff);
        fails(() -> events.deserialize(TOPIC, badVarint), corrupt + "field type: invalid int encoding");
        byte[] trailing = Arrays.copyOf(good, good.length + 2);
        fails(() -> events.deserialize(TOPIC, trailing), corrupt + "trailing bytes after the record");
        assertEquals(Boolean.TRUE, events.decodes(id), "bad records do not turn the decoder off");
        assertEquals(e, events.deserialize(TOPIC, good));
    }

    @Test
    void framingAndRegistryErrorsAreAvroDeserializers() {
        ConntrackEventDeserializer events = fresh();
        byte[] good = writer.serialize(TOPIC, RandomEvents.event(new Random(5)));
        byte[] unknownId = good.clone();
        unknownId[1] = 0x7f;
        for (byte[] b : List.of(new byte[3], "{\"node\":1}".getBytes(), unknownId)) {
            SerializationException expected = assertThrows(SerializationException.class, () -> avro.deserialize(TOPIC, b));
            fails(() -> events.deserialize(TOPIC, b), expected.getMessage());
        }
        assertNull(events.decodes(id(unknownId)));
        // a first record of an id that is corrupt: Avro's error, and the id is learnt from the next good one
        ConntrackEventDeserializer other = fresh();
        byte[] cut = Arrays.copyOf(good, good.length - 3);
        SerializationException ex = assertThrows(SerializationException.class, () -> other.deserialize(TOPIC, cut));
        assertTrue(ex.getMessage().startsWith(TOPIC + ": truncated Avro body (schema id " + id(good)), ex.getMessage());
        assertEquals(avro.deserialize(TOPIC, good), other.deserialize(TOPIC, good));
        assertEquals(Boolean.TRUE, other.decodes(id(good)));
    }
}
