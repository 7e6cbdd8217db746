package io.ctflow.streams;

import io.ctflow.avro.ConntrackEvent;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time is the kernel's timestamp carried in the event, whatever the topic's timestamp type
 * (LogAppendTime would otherwise turn a replay into "now").
 */
public final class EventTimeExtractor implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof ConntrackEvent e) {
            Instant t = e.getTimestamp();
            return t.toEpochMilli();
        }
        return record.timestamp() >= 0 ? record.timestamp() : partitionTime;
    }
}
