package io.ctflow.cli;

import io.ctflow.config.ClientKeys;
import io.ctflow.streams.AppConfig;
import picocli.CommandLine.Option;

/**
 * Ports of the in-process stack (picocli mixins): the broker and registry ({@code demo}, {@code up},
 * {@code kafka}) and the streams app's HTTP API ({@code demo}, {@code up}). Defaults are the ports of the
 * declared {@code bootstrap.servers}, {@code schema.registry.url} and {@code http.port}.
 */
public final class EmbeddedPorts {
    @Option(names = "--kafka-port", paramLabel = "PORT", description = "Embedded Kafka port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 = any free port).")
    int kafkaPort = ClientKeys.DEFAULT_KAFKA_PORT;

    @Option(names = "--registry-port", paramLabel = "PORT", description = "Embedded schema registry port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 = any free port).")
    int registryPort = ClientKeys.DEFAULT_REGISTRY_PORT;

    public int kafkaPort() {
        return kafkaPort;
    }

    public int registryPort() {
        return registryPort;
    }

    /** The streams app's HTTP port of a command that runs the app in process. */
    public static final class Http {
        @Option(names = "--http-port", paramLabel = "PORT", description = "Streams app HTTP API port (default ${DEFAULT-VALUE}; 0 = any free port).")
        int httpPort = AppConfig.DEFAULT_HTTP_PORT;

        public int httpPort() {
            return httpPort;
        }
    }
}
