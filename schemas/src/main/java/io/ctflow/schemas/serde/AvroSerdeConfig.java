package io.ctflow.schemas.serde;

import io.ctflow.schemas.registry.ConfigValues;
import io.ctflow.schemas.registry.RegistryClientConfig;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;

/**
 * The serde settings, under Confluent's key names (registry connection keys: see
 * {@link RegistryClientConfig}).
 *
 * <pre>
 * schema.registry.url              required
 * auto.register.schemas            default true; false: look the schema's id up (POST /subjects/{s}) and fail if absent
 * use.latest.version               default false; true: write with the subject's latest schema (records are mapped by field name)
 * latest.cache.ttl.sec             how long "latest" stays latest; default -1 (for the serde's lifetime)
 * key.subject.name.strategy        default TopicNameStrategy (see SubjectNameStrategies)
 * value.subject.name.strategy      default TopicNameStrategy
 * specific.avro.reader             default false: GenericRecord; true: the generated class named by the writer schema
 * specific.avro.key.type           a SpecificRecord class (name or Class) to read keys into; implies specific
 * specific.avro.value.type         the same for values (AvroSerdes sets it)
 * avro.use.logical.type.converters default true (Confluent: false): generic records carry Instant for timestamp-micros, as specific ones do
 * </pre>
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

    final boolean isKey;
    final boolean autoRegister;
    final boolean useLatestVersion;
    final long latestTtlNanos; // < 0: never expires
    final SubjectNameStrategy subjectNameStrategy;
    final boolean specificReader;
    final Class<? extends SpecificRecord> specificType;
    final boolean logicalTypes;

    AvroSerdeConfig(Map<String, ?> config, boolean isKey) {
        this.isKey = isKey;
        this.autoRegister = ConfigValues.bool(config, AUTO_REGISTER_SCHEMAS, true);
        this.useLatestVersion = ConfigValues.bool(config, USE_LATEST_VERSION, false);
        long ttl = ConfigValues.number(config, LATEST_CACHE_TTL_SEC, -1);
        this.latestTtlNanos = ttl < 0 ? -1 : ttl * 1_000_000_000L;
        String strategyKey = isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY;
        this.subjectNameStrategy = SubjectNameStrategies.from(strategyKey, config.get(strategyKey));
        String typeKey = isKey ? SPECIFIC_AVRO_KEY_TYPE : SPECIFIC_AVRO_VALUE_TYPE;
        this.specificType = specificType(typeKey, config.get(typeKey));
        this.specificReader = specificType != null || ConfigValues.bool(config, SPECIFIC_AVRO_READER, false);
        this.logicalTypes = ConfigValues.bool(config, USE_LOGICAL_TYPE_CONVERTERS, true);
    }

    @SuppressWarnings("unchecked")
    private static Class<? extends SpecificRecord> specificType(String key, Object v) {
        if (v == null || v.toString().isBlank()) {
            return null;
        }
        Class<?> c;
        if (v instanceof Class<?> k) {
            c = k;
        } else {
            try {
                ClassLoader cl = Thread.currentThread().getContextClassLoader();
                c = Class.forName(v.toString().trim(), true, cl != null ? cl : AvroSerdeConfig.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new ConfigException(key, v, "class not found: " + e.getMessage());
            }
        }
        if (!SpecificRecord.class.isAssignableFrom(c)) {
            throw new ConfigException(key, c.getName(), "not an Avro SpecificRecord class");
        }
        return (Class<? extends SpecificRecord>) c;
    }
}
