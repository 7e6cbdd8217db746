package io.ctflow.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.avro.NatAnomaly;
import io.ctflow.avro.NodeFacts;
import io.ctflow.avro.ServiceEntry;
import java.util.Iterator;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

/**
 * The dataplane failure modes' schema changes stay compatible both ways: new readers read old
 * records (BACKWARD: new fields have defaults), and old readers read new ones (new AnomalyType
 * symbols fall back to the enum's default UNKNOWN). The old schema is the new one with the
 * additions taken out.
 */
class DataplaneSchemaEvolutionTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> NEW_TYPES = Set.of("STALE_ENDPOINT", "INVALID_PACKETS", "CLASH_RESOLVE", "CHAIN_TOO_LONG", "NO_ENDPOINTS");

    static Schema without(Schema current, String field) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(current.toString());
        ArrayNode fields = (ArrayNode) root.get("fields");
        for (Iterator<JsonNode> it = fields.elements(); it.hasNext(); ) {
            JsonNode f = it.next();
            if (f.get("name").asText().equals(field)) {
                it.remove();
            }
            if (f.get("name").asText().equals("type") && f.get("type").isObject() && "AnomalyType".equals(f.get("type").path("name").asText())) {
                ArrayNode symbols = (ArrayNode) f.get("type").get("symbols");
                for (Iterator<JsonNode> s = symbols.elements(); s.hasNext(); ) {
                    if (NEW_TYPES.contains(s.next().asText())) {
                        s.remove();
                    }
                }
            }
        }
        return new Schema.Parser().parse(root.toString());
    }

    static void compatibleBothWays(Schema now, Schema before) {
        assertEquals(SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(now, before).getType(), "new reader, old writer (BACKWARD)");
        assertEquals(SchemaCompatibilityType.COMPATIBLE,
                SchemaCompatibility.checkReaderWriterCompatibility(before, now).getType(), "old reader, new writer (FORWARD)");
    }

    @Test
    void natAnomalyNodeFactsAndServiceEntryAreCompatibleWithTheirPreviousVersions() throws Exception {
        Schema anomaly = NatAnomaly.getClassSchema();
        Schema oldAnomaly = without(anomaly, "zone");
        assertEquals(anomaly.getFields().size() - 1, oldAnomaly.getFields().size());
        assertEquals("UNKNOWN", anomaly.getField("type").schema().getEnumDefault(), "new symbols need the enum's default");
        compatibleBothWays(anomaly, oldAnomaly);
        compatibleBothWays(NodeFacts.getClassSchema(), without(NodeFacts.getClassSchema(), "dataplaneNotice"));
        compatibleBothWays(ServiceEntry.getClassSchema(), ServiceEntry.getClassSchema());
    }
}
