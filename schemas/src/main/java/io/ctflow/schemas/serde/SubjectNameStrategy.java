package io.ctflow.schemas.serde;

import org.apache.avro.Schema;

/**
 * Names the registry subject a record's schema is registered under. Configured with Confluent's
 * keys {@code key.subject.name.strategy} / {@code value.subject.name.strategy}; see
 * {@link SubjectNameStrategies} for the built-ins and the names they answer to. A class of your own
 * implementing this interface (public, no-arg constructor) can be named there too.
 */
@FunctionalInterface
public interface SubjectNameStrategy {
    String subjectName(String topic, boolean isKey, Schema schema);
}
