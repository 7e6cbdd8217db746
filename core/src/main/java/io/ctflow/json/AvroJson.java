package io.ctflow.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

/**
 * Renders Avro records as JSON for people and scripts (the HTTP API, {@code --json-out},
 * {@code ctflow parse}): field names as in the schema, timestamps as ISO-8601, address bytes as
 * literals. Not the Avro JSON encoding (which is unreadable for unions and bytes) on purpose.
 */
public final class AvroJson {
    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private AvroJson() {}

    public static ObjectNode toJson(IndexedRecord record) {
        ObjectNode out = F.objectNode();
        for (Schema.Field f : record.getSchema().getFields()) {
            out.set(f.name(), value(record.get(f.pos())));
        }
        return out;
    }

    public static String toJsonLine(IndexedRecord record) {
        return toJson(record).toString();
    }

    @SuppressWarnings("unchecked")
    private static JsonNode value(Object v) {
        if (v == null) {
            return F.nullNode();
        }
        if (v instanceof IndexedRecord r) {
            return toJson(r);
        }
        if (v instanceof CharSequence || v instanceof Enum<?> || v instanceof GenericEnumSymbol<?>) {
            return F.textNode(v.toString());
        }
        if (v instanceof Instant i) {
            return F.textNode(i.toString());
        }
        if (v instanceof Integer i) {
            return F.numberNode(i);
        }
        if (v instanceof Long l) {
            return F.numberNode(l);
        }
        if (v instanceof Boolean b) {
            return F.booleanNode(b);
        }
        if (v instanceof Double d) {
            return F.numberNode(d);
        }
        if (v instanceof Float d) {
            return F.numberNode(d);
        }
        if (v instanceof ByteBuffer b) {
            int n = b.remaining();
            return n == 4 || n == 16 ? F.textNode(Addresses.format(b)) : F.binaryNode(Addresses.bytes(b));
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = F.objectNode();
            new java.util.TreeMap<>((Map<Object, Object>) m).forEach((k, val) -> o.set(k.toString(), value(val)));
            return o;
        }
        if (v instanceof Collection<?> c) {
            ArrayNode a = F.arrayNode();
            c.forEach(x -> a.add(value(x)));
            return a;
        }
        return F.textNode(v.toString());
    }
}
