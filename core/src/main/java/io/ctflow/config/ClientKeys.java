package io.ctflow.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Type;

/** The client keys both apps declare: where Kafka and the schema registry are. */
public final class ClientKeys {
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final int DEFAULT_KAFKA_PORT = 9092;
    public static final int DEFAULT_REGISTRY_PORT = 8081;

    private ClientKeys() {}

    /** A schema that starts with the shared client keys. */
    public static ConfigSchema schema() {
        return new ConfigSchema()
                .client(BOOTSTRAP_SERVERS, Type.STRING, "127.0.0.1:" + DEFAULT_KAFKA_PORT, new ConfigDef.NonEmptyString(),
                        "Kafka bootstrap servers, HOST:PORT[,...]")
                .client(SCHEMA_REGISTRY_URL, Type.STRING, "http://127.0.0.1:" + DEFAULT_REGISTRY_PORT, new ConfigDef.NonEmptyString(),
                        "schema registry URL(s), comma-separated for failover; user:pass@ or basic.auth.user.info for auth");
    }
}
