package io.ctflow.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.schemas.registry.RegistryUnreachableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class ExitPolicyTest {
    @Test
    void userMistakesAreUsageErrors() {
        assertEquals(2, ExitPolicy.exitCode(new UsageException("bad")));
        assertEquals(2, ExitPolicy.exitCode(new UsageException("x.properties:3: bad key")));
        assertEquals(2, ExitPolicy.exitCode(new UsageException("bad CIDR", new IllegalArgumentException("not an IP address"))));
        assertEquals(2, ExitPolicy.exitCode(new org.apache.kafka.common.config.ConfigException("bad Kafka property")));
        assertEquals(2, ExitPolicy.exitCode(new NoSuchFileException("/no/such/file")));
        assertEquals(2, ExitPolicy.exitCode(new UncheckedIOException("cannot list /x", new NoSuchFileException("/x"))));
        assertEquals(2, ExitPolicy.exitCode(StartupProblem.usage("port 9092 is in use", null)));
    }

    /** URLs: the registry client refuses a URL it cannot use with Kafka's ConfigException naming the key. */
    @Test
    void aBadRegistryUrlIsAUsageError() {
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> io.ctflow.schemas.registry.SchemaRegistryClient.create(java.util.Map.of("schema.registry.url", "ftp://registry")));
        assertEquals(2, ExitPolicy.exitCode(e), e.toString());
        assertTrue(e.getMessage().contains("ftp://registry"), e.getMessage());
    }

    @Test
    void unreachableServersAndIoAreRuntimeFailures() {
        assertEquals(1, ExitPolicy.exitCode(new RuntimeFailure("cannot reach Kafka")));
        assertEquals(1, ExitPolicy.exitCode(new TimeoutException("no answer")));
        assertEquals(1, ExitPolicy.exitCode(new RegistryUnreachableException("schema registry unreachable", new IOException("refused"))));
        assertEquals(1, ExitPolicy.exitCode(new IOException("disk full")));
        assertEquals(1, ExitPolicy.exitCode(new UncheckedIOException("cannot write x", new IOException("disk full"))));
        assertEquals(1, ExitPolicy.exitCode(StartupProblem.failure("could not format", null)));
    }

    @Test
    void anythingElseIsABug() {
        assertEquals(ExitPolicy.BUG, ExitPolicy.exitCode(new IllegalStateException("already running")));
        assertEquals(ExitPolicy.BUG, ExitPolicy.exitCode(new NullPointerException()));
        // a bug that throws IllegalArgumentException is not a user mistake: it keeps its stack trace
        assertEquals(ExitPolicy.BUG, ExitPolicy.exitCode(new IllegalArgumentException("flow key out of range")));
        assertEquals(ExitPolicy.BUG, ExitPolicy.exitCode(new NumberFormatException("For input string: \"x\"")));
    }

    @Test
    void theLineNamesTheCommandOnce() {
        assertEquals("ctflow streams: no broker", ExitPolicy.line("streams", "no broker"));
        assertEquals("ctflow: bad", ExitPolicy.line("ctflow", "bad"));
        assertEquals("ctflow-collector: bad", ExitPolicy.line("ctflow-collector", "bad"));
    }
}
