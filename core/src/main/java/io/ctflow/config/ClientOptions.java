package io.ctflow.config;

import picocli.CommandLine.Option;

/** Where Kafka and the registry are (a picocli mixin of every command that talks to them); keys of {@link ClientKeys}. */
public final class ClientOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", descriptionKey = ClientKeys.BOOTSTRAP_SERVERS)
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL[,...]", descriptionKey = ClientKeys.SCHEMA_REGISTRY_URL)
    String schemaRegistryUrl;

    /** The flag's value, or null (then the other layers decide). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String schemaRegistryUrl() {
        return schemaRegistryUrl;
    }
}
