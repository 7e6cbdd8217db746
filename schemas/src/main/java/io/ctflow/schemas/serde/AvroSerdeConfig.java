package io.ctflow.schemas.serde;

import io.ctflow.schemas.registry.ConfigValues;
import io.ctflow.schemas.registry.RegistryClientConfig;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The serde settings, under Confluent's key names, declared once in {@link #DEF} (registry connection
 * keys: see {@link RegistryClientConfig}).
 */
public final class AvroSerdeConfig {
    public static final String SCHEMA_REGISTRY_URL = RegistryClientConfig.URL;
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String USE_LATEST_VERSION = "use.latest.version";
    public static final String LATEST_CACHE_TTL_SEC = "latest.cache.ttl.sec";
    public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
    public static final String SPECIFIC_AVRO_KEY_TYPE = "specific.avro.key.type";
    public static final String SPECIFIC_AVRO_VALUE_TYPE = "specific.avro.value.type";
    public static final String USE_LOGICAL_TYPE_CONVERTERS = "avro.use.logical.type.converters";

    /**
     * The serde's own keys, but the subject name strategies ({@code key.subject.name.strategy},
     * {@code value.subject.name.strategy}): a name, a class or a {@link SubjectNameStrategy} object,
     * which {@link SubjectNameStrategies} reads (default TopicNameStrategy).
     */
    public static final ConfigDef DEF = new ConfigDef()
            .define(AUTO_REGISTER_SCHEMAS, Type.BOOLEAN, true, Importance.MEDIUM,
                    "register the writer's schema; false: look its id up (POST /subjects/{s}) and fail if absent")
            .define(USE_LATEST_VERSION, Type.BOOLEAN, false, Importance.LOW,
                    "write with the subject's latest schema (records are mapped by field name)")
            .define(LATEST_CACHE_TTL_SEC, Type.LONG, -1L, Importance.LOW, "how long \"latest\" stays latest; -1: for the serde's lifetime")
            .define(SPECIFIC_AVRO_READER, Type.BOOLEAN, false, Importance.LOW,
                    "false: GenericRecord; true: the generated class named by the writer schema")
            .define(SPECIFIC_AVRO_KEY_TYPE, Type.CLASS, null, Importance.LOW, "a SpecificRecord class to read keys into; implies specific")
            .define(SPECIFIC_AVRO_VALUE_TYPE, Type.CLASS, null, Importance.LOW, "the same for values (AvroSerdes sets it)")
            .define(USE_LOGICAL_TYPE_CONVERTERS, Type.BOOLEAN, true, Importance.LOW,
                    "(Confluent: false) generic records carry Instant for timestamp-micros, as specific ones do");

    final boolean isKey;
    final boolean autoRegister;
    final boolean useLatestVersion;
    final long latestTtlNanos; // < 0: never expires
    final SubjectNameStrategy subjectNameStrategy;
    final boolean specificReader;
    final Class<? extends SpecificRecord> specificType;
    final boolean logicalTypes;

    AvroSerdeConfig(Map<String, ?> config, boolean isKey) {
        Map<String, Object> v = ConfigValues.parse(DEF, config);
        this.isKey = isKey;
        this.autoRegister = (Boolean) v.get(AUTO_REGISTER_SCHEMAS);
        this.useLatestVersion = (Boolean) v.get(USE_LATEST_VERSION);
        long ttl = (Long) v.get(LATEST_CACHE_TTL_SEC);
        this.latestTtlNanos = ttl < 0 ? -1 : ttl * 1_000_000_000L;
        String strategyKey = isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY;
        this.subjectNameStrategy = SubjectNameStrategies.from(strategyKey, config.get(strategyKey));
        String typeKey = isKey ? SPECIFIC_AVRO_KEY_TYPE : SPECIFIC_AVRO_VALUE_TYPE;
        this.specificType = specificType(typeKey, (Class<?>) v.get(typeKey));
        this.specificReader = specificType != null || (Boolean) v.get(SPECIFIC_AVRO_READER);
        this.logicalTypes = (Boolean) v.get(USE_LOGICAL_TYPE_CONVERTERS);
    }

    @SuppressWarnings("unchecked")
    private static Class<? extends SpecificRecord> specificType(String key, Class<?> c) {
        if (c == null) {
            return null;
        }
        if (!SpecificRecord.class.isAssignableFrom(c)) {
            throw new ConfigException(key, c.getName(), "not an Avro SpecificRecord class");
        }
        return (Class<? extends SpecificRecord>) c;
    }
}
