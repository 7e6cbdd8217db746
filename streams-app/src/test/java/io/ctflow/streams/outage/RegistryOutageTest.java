package io.ctflow.streams.outage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.schemas.registry.RegistryException;
import io.ctflow.schemas.registry.RegistryUnreachableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

/** An unreachable registry is told apart from bad data wherever it is in the cause chain. */
class RegistryOutageTest {
    static final Exception OUTAGE = new StreamsException(new SerializationException("ctflow.events: unreachable",
            new RegistryUnreachableException("schema registry unreachable at http://127.0.0.1:1", null)));
    static final Exception UNKNOWN_ID = new SerializationException("ctflow.events: unknown schema id 99",
            new RegistryException(404, 40403, "Schema not found", "not found", null));

    @Test
    void anUnreachableRegistryIsAnOutageAnUnknownIdIsNot() {
        assertTrue(RegistryOutage.isCause(OUTAGE));
        assertFalse(RegistryOutage.isCause(UNKNOWN_ID));
        assertFalse(RegistryOutage.isCause(new IllegalStateException("boom")));
    }

    @Test
    void anOutageFailsTheTaskWithoutADeadLetterAndReplacesTheThread() {
        DeserializationExceptionHandler.Response d = new WaitForRegistryDeserializationHandler().handleError(null, null, OUTAGE);
        assertEquals(DeserializationExceptionHandler.Result.FAIL, d.result());
        assertEquals(0, d.deadLetterQueueRecords().size());
        ProductionExceptionHandler.Response p = new WaitForRegistryProductionHandler().handleSerializationError(null, null, OUTAGE,
                ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);
        assertEquals(ProductionExceptionHandler.Result.FAIL, p.result());
        assertEquals(0, p.deadLetterQueueRecords().size());
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, RegistryOutage.onStreamThreadFailure(OUTAGE));
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, RegistryOutage.onStreamThreadFailure(new IllegalStateException("bug")));
    }
}
