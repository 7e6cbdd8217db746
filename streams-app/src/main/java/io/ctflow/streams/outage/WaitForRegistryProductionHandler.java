package io.ctflow.streams.outage;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/**
 * Kafka Streams' default production handler, except that an output the registry could not give a
 * schema id to fails its task without a dead letter: the input is read again once the registry
 * answers ({@link RegistryOutage}).
 */
public class WaitForRegistryProductionHandler extends DefaultProductionExceptionHandler {
    @SuppressWarnings("rawtypes")
    @Override
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                             SerializationExceptionOrigin origin) {
        if (RegistryOutage.isCause(exception)) {
            return Response.fail();
        }
        return super.handleSerializationError(context, record, exception, origin);
    }
}
