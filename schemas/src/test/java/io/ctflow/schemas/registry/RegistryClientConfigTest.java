package io.ctflow.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;

/** The registry client's keys are read through their ConfigDef declarations. */
class RegistryClientConfigTest {
    @Test
    void defaultsAreTheDeclarations() {
        RegistryClientConfig c = RegistryClientConfig.of("http://r:8081/");
        assertEquals(List.of("http://r:8081"), c.urls());
        assertEquals(Duration.ofMillis((Integer) RegistryClientConfig.DEF.defaultValues().get(RegistryClientConfig.CONNECT_TIMEOUT_MS)),
                c.connectTimeout());
        assertEquals(Duration.ofSeconds(30), c.readTimeout());
        assertEquals(RegistryClientConfig.DEFAULT_RETRIES, c.retries());
        assertEquals(100, c.backoffMs());
        assertEquals(5000, c.backoffMaxMs());
    }

    @Test
    void typedAndTextValuesAndPasswordsAreRead() {
        RegistryClientConfig c = RegistryClientConfig.from(Map.of("schema.registry.url", "http://a:1,http://b:2",
                "ctflow.registry.retries", 5, "http.read.timeout.ms", "1500", "basic.auth.user.info", new Password("u:p"),
                "request.header.X-Team", "net"));
        assertEquals(5, c.retries());
        assertEquals(Duration.ofMillis(1500), c.readTimeout());
        assertEquals(Map.of("X-Team", "net"), c.headers());
        assertEquals("Basic dTpw", c.endpoints().get(1).authorization());
    }

    @Test
    void aBadValueNamesTheKey() {
        assertEquals("Invalid value 101 for configuration ctflow.registry.retries: Value must be no more than 100",
                assertThrows(ConfigException.class, () -> RegistryClientConfig.from(Map.of("schema.registry.url", "http://a:1",
                        "ctflow.registry.retries", "101"))).getMessage());
        assertEquals("Invalid value KERBEROS for configuration basic.auth.credentials.source: supported: URL, USER_INFO",
                assertThrows(ConfigException.class, () -> RegistryClientConfig.from(Map.of("schema.registry.url", "http://a:1",
                        "basic.auth.credentials.source", "KERBEROS"))).getMessage());
        assertThrows(ConfigException.class, () -> RegistryClientConfig.from(Map.of("schema.registry.url", "http://a:1",
                "http.connect.timeout.ms", "0")));
    }
}
