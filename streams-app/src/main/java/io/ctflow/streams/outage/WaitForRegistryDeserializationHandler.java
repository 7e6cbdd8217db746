package io.ctflow.streams.outage;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

/**
 * Kafka Streams' log-and-continue handler (a record that cannot be read goes to the dead-letter
 * topic, KIP-1034), except when the registry did not answer: then the task fails and the record
 * waits ({@link RegistryOutage}).
 */
public class WaitForRegistryDeserializationHandler extends LogAndContinueExceptionHandler {
    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (RegistryOutage.isCause(exception)) {
            return Response.fail();
        }
        return super.handleError(context, record, exception);
    }
}
