package io.ctflow.schemas.registry;

import org.apache.avro.Schema;

/**
 * One version of a subject as the registry reports it ({@code GET /subjects/{s}/versions/{v}},
 * {@code POST /subjects/{s}}).
 *
 * @param schemaType AVRO unless the registry said otherwise (it omits the field for Avro)
 */
public record RegisteredSchema(String subject, int version, int id, String schemaType, String schemaString) {

    /** Parses the schema text (a fresh parse each call: cache the result). */
    public Schema avroSchema() {
        if (!"AVRO".equals(schemaType)) {
            throw new IllegalStateException("schema id " + id + " is a " + schemaType + " schema, not Avro");
        }
        return new Schema.Parser().parse(schemaString);
    }
}
