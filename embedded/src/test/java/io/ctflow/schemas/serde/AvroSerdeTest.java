package io.ctflow.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.avro.DeadLetter;
import io.ctflow.avro.EventType;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.ServiceStats;
import io.ctflow.json.AvroJson;
import io.ctflow.schemas.registry.SchemaRegistryClient;
import io.ctflow.embedded.registry.RegistryServer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Round trips of every record type through a real RegistryServer, subject naming, settings, caching. */
class AvroSerdeTest {
    static RegistryServer registry;
    static Map<String, Object> config;

    @BeforeAll
    static void start() {
        registry = RegistryServer.start("127.0.0.1", 0);
        config = Map.of("schema.registry.url", registry.url());
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @SuppressWarnings("unchecked")
    static <T extends SpecificRecord> AvroSerde<T> specific(T r, Map<String, ?> cfg) {
        return AvroSerdes.specific((Class<T>) r.getClass(), cfg, false);
    }

    @Test
    void everyRecordTypeRoundTripsThroughSpecificAndGenericReaders() {
        AvroSerde<GenericRecord> generic = AvroSerdes.generic(config, false);
        for (SpecificRecord r : Records.everyType()) {
            String topic = "rt." + r.getSchema().getName();
            AvroSerde<SpecificRecord> serde = specific(r, config);
            byte[] bytes = serde.serializer().serialize(topic, r);
            assertEquals(WireFormat.MAGIC, bytes[0]);

            SpecificRecord back = serde.deserializer().deserialize(topic, bytes);
            assertEquals(r, back, r.getSchema().getName());
            assertSame(r.getClass(), back.getClass());

            GenericRecord g = generic.deserializer().deserialize(topic, bytes);
            assertEquals(r.getSchema(), g.getSchema(), "generic reads with the writer's schema");
            // Same rendering means same values, timestamps included (Instant, not raw micros).
            assertEquals(AvroJson.toJsonLine(r), AvroJson.toJsonLine(g), r.getSchema().getName());

            // and a generic record written back reads into the class again, with the same schema id
            byte[] again = generic.serializer().serialize(topic, g);
            assertEquals(r, serde.deserializer().deserialize(topic, again));
            assertEquals(WireFormat.schemaId(bytes), WireFormat.schemaId(again));
        }
    }

    @Test
    void timestampsKeepMicrosecondsAndGenericCarriesInstants() {
        ConntrackEvent e = Records.event();
        byte[] b = AvroSerdes.specific(ConntrackEvent.class, config, false).serializer().serialize("ts", e);
        GenericRecord g = AvroSerdes.generic(config, false).deserializer().deserialize("ts", b);
        assertEquals(Instant.parse("2026-11-26T16:47:49.996532Z"), g.get("timestamp"));
        Map<String, Object> raw = new HashMap<>(config);
        raw.put(AvroSerdeConfig.USE_LOGICAL_TYPE_CONVERTERS, "false");
        GenericRecord r = AvroSerdes.generic(raw, false).deserializer().deserialize("ts", b);
        assertEquals(Records.T.getEpochSecond() * 1_000_000L + Records.T.getNano() / 1000, r.get("timestamp"), "Confluent's default: the raw long");
    }

    @Test
    void nullIsATombstoneBothWays() {
        AvroSerde<DeadLetter> serde = AvroSerdes.specific(DeadLetter.class, config, false);
        long before = registry.requestCount();
        assertNull(serde.serializer().serialize("tomb", null));
        assertNull(serde.deserializer().deserialize("tomb", null));
        assertEquals(before, registry.requestCount(), "a tombstone needs no schema");
    }

    @Test
    void keysAndValuesGetTheirOwnSubjectsByTopicName() {
        SchemaRegistryClient client = SchemaRegistryClient.create(config);
        AvroSerdes.specific(DeadLetter.class, config, true).serializer().serialize("subj.keys", Records.deadLetter());
        AvroSerdes.specific(DeadLetter.class, config, false).serializer().serialize("subj.keys", Records.deadLetter());
        List<String> subjects = client.getSubjects();
        assertTrue(subjects.contains("subj.keys-key"), subjects.toString());
        assertTrue(subjects.contains("subj.keys-value"), subjects.toString());
    }

    @Test
    void recordAndTopicRecordNameStrategiesByConfluentClassNameOrShortName() {
        SchemaRegistryClient client = SchemaRegistryClient.create(config);
        Map<String, Object> record = new HashMap<>(config);
        record.put("value.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy");
        AvroSerdes.specific(NatAnomaly.class, record, false).serializer().serialize("strategy.a", Records.natAnomaly());
        assertTrue(client.getSubjects().contains("io.ctflow.avro.NatAnomaly"));

        Map<String, Object> topicRecord = new HashMap<>(config);
        topicRecord.put("key.subject.name.strategy", "TopicRecordNameStrategy");
        AvroSerdes.specific(DeadLetter.class, topicRecord, true).serializer().serialize("strategy.b", Records.deadLetter());
        assertTrue(client.getSubjects().contains("strategy.b-io.ctflow.avro.DeadLetter"));

        Map<String, Object> custom = new HashMap<>(config);
        custom.put("value.subject.name.strategy", (SubjectNameStrategy) (t, k, s) -> "custom-" + s.getName());
        AvroSerdes.specific(DeadLetter.class, custom, false).serializer().serialize("strategy.c", Records.deadLetter());
        assertTrue(client.getSubjects().contains("custom-DeadLetter"));

        Map<String, Object> bad = new HashMap<>(config);
        bad.put("value.subject.name.strategy", "io.confluent.kafka.serializers.subject.NoSuchStrategy");
        assertThrows(ConfigException.class, () -> AvroSerdes.specific(DeadLetter.class, bad, false));
    }

    @Test
    void configuredByClassNameFromKafkaPropertiesLikeAProducerAndConsumerDo() throws Exception {
        // What KafkaProducer/KafkaConsumer do with value.serializer/value.deserializer class names: no-arg, then configure.
        Properties p = new Properties();
        p.put("schema.registry.url", registry.url());
        p.put("specific.avro.reader", "true");
        p.put("auto.register.schemas", "true");
        @SuppressWarnings("unchecked")
        Map<String, Object> props = (Map<String, Object>) (Map<?, ?>) p;
        @SuppressWarnings("unchecked")
        Serializer<Object> ser = (Serializer<Object>) Class.forName(AvroSerializer.class.getName()).getDeclaredConstructor().newInstance();
        @SuppressWarnings("unchecked")
        Deserializer<Object> de = (Deserializer<Object>) Class.forName(AvroDeserializer.class.getName()).getDeclaredConstructor().newInstance();
        ser.configure(props, false);
        de.configure(props, false);
        ConntrackEvent e = Records.event();
        Object back = de.deserialize("props", ser.serialize("props", e));
        assertInstanceOf(ConntrackEvent.class, back, "specific.avro.reader=true finds the generated class by the writer's name");
        assertEquals(e, back);

        AvroSerde<Object> serde = new AvroSerde<>();
        Map<String, Object> typed = new HashMap<>(props);
        typed.remove("specific.avro.reader");
        typed.put("specific.avro.value.type", "io.ctflow.avro.ConntrackEvent");
        serde.configure(typed, false);
        assertEquals(e, serde.deserializer().deserialize("props", serde.serializer().serialize("props", e)));

        AvroSerde<Object> plain = new AvroSerde<>();
        plain.configure(Map.of("schema.registry.url", registry.url()), false);
        assertInstanceOf(GenericData.Record.class, plain.deserializer().deserialize("props", ser.serialize("props", e)), "generic by default");

        assertThrows(ConfigException.class, () -> new AvroSerde<>().configure(Map.of("auto.register.schemas", "true"), false),
                "no schema.registry.url");
        assertThrows(ConfigException.class, () -> new AvroSerde<>().configure(
                Map.of("schema.registry.url", registry.url(), "auto.register.schemas", "maybe"), false));
    }

    @Test
    void withoutAutoRegisterTheIdIsLookedUpOnceAndAMissingSchemaFailsClearly() {
        Map<String, Object> noAuto = new HashMap<>(config);
        noAuto.put("auto.register.schemas", false);
        SchemaRegistryClient fresh = SchemaRegistryClient.create(config);
        AvroSerializer<DeadLetter> ser = new AvroSerializer<>(fresh, noAuto, false);
        SerializationException e = assertThrows(SerializationException.class, () -> ser.serialize("noauto", Records.deadLetter()));
        assertTrue(e.getMessage().startsWith("noauto: schema io.ctflow.avro.DeadLetter is not registered under subject noauto-value"
                + " and auto.register.schemas=false"), e.getMessage());

        int id = SchemaRegistryClient.create(config).register("noauto-value", DeadLetter.getClassSchema());
        long before = registry.requestCount();
        for (int i = 0; i < 100; i++) {
            assertEquals(id, WireFormat.schemaId(ser.serialize("noauto", Records.deadLetter())));
        }
        assertEquals(1, registry.requestCount() - before, "one POST /subjects/noauto-value, then cached");
        assertEquals(List.of(1), fresh.getVersions("noauto-value"), "nothing registered by the serializer");
    }

    @Test
    void useLatestVersionWritesWithTheSubjectsLatestSchemaMappingFieldsByName() {
        SchemaRegistryClient client = SchemaRegistryClient.create(config);
        // The latest schema of the subject: ServiceStats with its fields in another order than the class, one extra with a default.
        Schema latest = new Schema.Parser().parse("""
                {"type":"record","name":"ServiceStats","namespace":"io.ctflow.avro","fields":[
                  {"name":"clients","type":"long","default":0},
                  {"name":"service","type":"string"},
                  {"name":"windowEnd","type":{"type":"long","logicalType":"timestamp-micros"}},
                  {"name":"windowStart","type":{"type":"long","logicalType":"timestamp-micros"}},
                  {"name":"newFlows","type":"long","default":0},
                  {"name":"region","type":"string","default":"eu-1"}]}""");
        int latestId = client.register("latest.stats-value", latest);
        Map<String, Object> cfg = new HashMap<>(config);
        cfg.put("use.latest.version", "true");
        cfg.put("auto.register.schemas", "false");
        AvroSerde<ServiceStats> serde = AvroSerdes.specific(ServiceStats.class, cfg, false);
        ServiceStats s = Records.serviceStats();
        byte[] b = serde.serializer().serialize("latest.stats", s);
        assertEquals(latestId, WireFormat.schemaId(b));

        GenericRecord g = AvroSerdes.generic(config, false).deserializer().deserialize("latest.stats", b);
        assertEquals(latest, g.getSchema());
        assertEquals(9L, g.get("clients"));
        assertEquals("default/web:http", g.get("service").toString());
        assertEquals(Records.T, g.get("windowStart"));
        assertEquals(Records.T.plusSeconds(60), g.get("windowEnd"));
        assertEquals("eu-1", g.get("region").toString(), "the field the class lacks gets its default");

        ServiceStats back = serde.deserializer().deserialize("latest.stats", b);
        assertEquals(s.getNewFlows(), back.getNewFlows());
        assertEquals(0L, back.getReplied(), "not in the latest schema: the class's default");
        assertEquals(List.of(1), client.getVersions("latest.stats-value"));
    }

    @Test
    void thousandRecordsCostAtMostTwoRegistryCallsAndOneReaderAndWriter() {
        // Fresh clients for each side, so the deserializer has to fetch the schema by id once.
        AvroSerde<ConntrackEvent> writer = AvroSerdes.specific(ConntrackEvent.class, SchemaRegistryClient.create(config), config, false);
        AvroSerde<ConntrackEvent> reader = AvroSerdes.specific(ConntrackEvent.class, SchemaRegistryClient.create(config), config, false);
        AvroSerde<GenericRecord> generic = AvroSerdes.generic(SchemaRegistryClient.create(config), config, false);
        long before = registry.requestCount();
        ConntrackEvent e = Records.event();
        for (int i = 0; i < 1000; i++) {
            e.setSequence(i);
            e.setType(i % 2 == 0 ? EventType.NEW : EventType.UPDATE);
            byte[] b = writer.serializer().serialize("cache", e);
            assertEquals(e, reader.deserializer().deserialize("cache", b));
        }
        assertEquals(2, registry.requestCount() - before, "one register, one GET /schemas/ids/{id}");
        assertEquals(1, reader.deserializer().readerCount());

        before = registry.requestCount();
        byte[] b = writer.serializer().serialize("cache", e);
        for (int i = 0; i < 1000; i++) {
            generic.deserializer().deserialize("cache", b);
        }
        assertEquals(1, registry.requestCount() - before);

        // The halves of one serde share a client: a schema the serializer registered needs no fetch.
        AvroSerde<ConntrackEvent> pair = AvroSerdes.specific(ConntrackEvent.class, config, false);
        before = registry.requestCount();
        for (int i = 0; i < 1000; i++) {
            pair.deserializer().deserialize("cache2", pair.serializer().serialize("cache2", e));
        }
        assertEquals(1, registry.requestCount() - before);
        assertSame(pair.serializer().client(), pair.deserializer().client());
        assertNotSame(pair.serializer().client(), AvroSerdes.specific(ConntrackEvent.class, config, false).serializer().client(),
                "serdes do not share caches: a registry restarted empty under the same URL gets the schemas registered again");
        AvroSerde<Object> byName = new AvroSerde<>();
        byName.configure(config, false);
        assertSame(byName.serializer().client(), byName.deserializer().client());
    }

    @Test
    void latestCacheTtlDecidesWhenANewLatestVersionIsPickedUp() {
        SchemaRegistryClient client = SchemaRegistryClient.create(config);
        Schema v1 = DeadLetter.getClassSchema();
        Schema v2 = new Schema.Parser().parse(v1.toString().replace("\"fields\":[",
                "\"fields\":[{\"name\":\"cluster\",\"type\":\"string\",\"default\":\"\"},"));
        int id1 = client.register("ttl-value", v1);
        Map<String, Object> forever = new HashMap<>(config);
        forever.put("use.latest.version", true);
        Map<String, Object> always = new HashMap<>(forever);
        always.put("latest.cache.ttl.sec", 0);
        AvroSerializer<DeadLetter> cached = AvroSerdes.specific(DeadLetter.class, forever, false).serializer();
        AvroSerializer<DeadLetter> fresh = AvroSerdes.specific(DeadLetter.class, always, false).serializer();
        assertEquals(id1, WireFormat.schemaId(cached.serialize("ttl", Records.deadLetter())));
        assertEquals(id1, WireFormat.schemaId(fresh.serialize("ttl", Records.deadLetter())));
        int id2 = client.register("ttl-value", v2);
        assertEquals(id1, WireFormat.schemaId(cached.serialize("ttl", Records.deadLetter())), "default TTL -1: latest as first seen");
        byte[] b = fresh.serialize("ttl", Records.deadLetter());
        assertEquals(id2, WireFormat.schemaId(b), "TTL 0: looked up again");
        assertEquals(Records.deadLetter(), AvroSerdes.specific(DeadLetter.class, config, false).deserializer().deserialize("ttl", b));
    }

    @Test
    void concurrentSerializersAndDeserializersAgree() throws Exception {
        AvroSerde<ConntrackEvent> serde = AvroSerdes.specific(ConntrackEvent.class, config, false);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        ConntrackEvent e = i % 2 == 0 ? Records.event() : Records.icmpv6Event();
                        e.setSequence(thread * 1000L + i);
                        if (!e.equals(serde.deserializer().deserialize("conc", serde.serializer().serialize("conc", e)))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aNonRecordIsRefusedClearly() {
        @SuppressWarnings({"unchecked", "rawtypes"})
        AvroSerializer<Object> ser = new AvroSerializer(SchemaRegistryClient.create(config), config, false);
        SerializationException e = assertThrows(SerializationException.class, () -> ser.serialize("odd", "a string"));
        assertTrue(e.getMessage().startsWith("odd: AvroSerializer writes Avro records"), e.getMessage());

        byte[] clean = ser.serialize("odd", Records.deadLetter());
        DeadLetter d = Records.deadLetter();
        d.setReason(null); // setters skip the builder's checks; node, source and position are written before it fails
        e = assertThrows(SerializationException.class, () -> ser.serialize("odd", d));
        assertTrue(e.getMessage().startsWith("odd: cannot write io.ctflow.avro.DeadLetter (schema id "), e.getMessage());
        assertTrue(e.getMessage().contains("reason"), e.getMessage());
        assertArrayEquals(clean, ser.serialize("odd", Records.deadLetter()), "nothing of the failed write leaks into the next record");
    }
}
