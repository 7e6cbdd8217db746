package io.ctflow.cli.kafka;

import io.ctflow.embedded.EmbeddedKafka;
import io.ctflow.embedded.registry.RegistryServer;
import java.nio.file.Path;

/**
 * The embedded broker and the schema registry on one kept directory: {@code DIR/broker} holds the
 * KRaft metadata and the topics, {@code DIR/registry} the registry's journal. Started again on the
 * same directory, both come back with every topic, record and schema id.
 */
public final class LocalKafka implements AutoCloseable {
    static final String BROKER_SUBDIR = "broker";
    static final String REGISTRY_SUBDIR = "registry";

    private final EmbeddedKafka kafka;
    private final RegistryServer registry;

    private LocalKafka(EmbeddedKafka kafka, RegistryServer registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    /** Starts the broker (the directory's lock refuses a second one) and then the registry. */
    public static LocalKafka start(Path dataDir, int kafkaPort, int registryPort) {
        EmbeddedKafka kafka = EmbeddedKafka.builder().port(kafkaPort).longRunning().dataDir(dataDir.resolve(BROKER_SUBDIR)).build().start();
        try {
            return new LocalKafka(kafka, RegistryServer.start(RegistryServer.DEFAULT_HOST, registryPort, dataDir.resolve(REGISTRY_SUBDIR)));
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    /** Registry first (it needs nothing from the broker), then a controlled broker shutdown. */
    @Override
    public void close() {
        try {
            registry.close();
        } finally {
            kafka.close();
        }
    }
}
