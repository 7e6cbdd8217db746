package io.ctflow.collector.parse;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code nft -j list table ...} / {@code nft -j list ruleset} output (libnftables-json:
 * {@code {"nftables": [{"table": ...}, {"map": ...}, {"rule": ...}]}}) into {@link NftTable}s.
 * Several documents in a row (the IPv4 and the IPv6 table) are read as one.
 */
final class NftJsonReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NftJsonReader() {}

    /** Whether the text is JSON (its first non-blank character is '{' or '['). */
    static boolean looksLikeJson(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c)) {
                return c == '{' || c == '[';
            }
        }
        return false;
    }

    /** @throws IllegalArgumentException when the text is not libnftables JSON */
    static List<NftTable> read(String text) {
        Map<String, NftTable> tables = new LinkedHashMap<>();
        try (MappingIterator<JsonNode> docs = JSON.readerFor(JsonNode.class).readValues(text)) {
            while (docs.hasNextValue()) {
                JsonNode doc = docs.nextValue();
                JsonNode objects = doc.path("nftables");
                if (!objects.isArray()) {
                    throw new IllegalArgumentException("not nft -j output: no \"nftables\" array");
                }
                int index = 0;
                for (JsonNode o : objects) {
                    index++;
                    object(o, index, tables);
                }
            }
        } catch (IOException e) {
            String where = e instanceof com.fasterxml.jackson.core.JsonProcessingException p && p.getLocation() != null
                    ? "line " + p.getLocation().getLineNr() + ": " : "";
            throw new IllegalArgumentException(where + "not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        return new ArrayList<>(tables.values());
    }

    private static void object(JsonNode o, int index, Map<String, NftTable> tables) {
        if (o.has("table")) {
            table(tables, o.get("table").path("family").asText(), o.get("table").path("name").asText());
        } else if (o.has("set") || o.has("map")) {
            boolean map = o.has("map");
            JsonNode s = map ? o.get("map") : o.get("set");
            NftTable t = table(tables, s.path("family").asText(), s.path("table").asText());
            String name = s.path("name").asText();
            if (map) {
                List<NftTable.Element> elements = t.maps.computeIfAbsent(name, k -> new ArrayList<>());
                for (JsonNode e : s.path("elem")) {
                    if (e.isArray() && e.size() == 2) {
                        JsonNode wrapped = e.get(0).path("elem").path("comment");
                        elements.add(new NftTable.Element(key(e.get(0)), verdictTarget(e.get(1)), wrapped.isTextual() ? wrapped.asText() : null));
                    }
                }
            } else {
                List<String> elements = t.sets.computeIfAbsent(name, k -> new ArrayList<>());
                for (JsonNode e : s.path("elem")) {
                    JsonNode v = value(e);
                    if (v.isValueNode()) {
                        elements.add(v.asText());
                    }
                }
            }
        } else if (o.has("chain")) {
            JsonNode c = o.get("chain");
            table(tables, c.path("family").asText(), c.path("table").asText()).chain(c.path("name").asText());
        } else if (o.has("rule")) {
            JsonNode r = o.get("rule");
            NftTable t = table(tables, r.path("family").asText(), r.path("table").asText());
            List<String> targets = new ArrayList<>(1);
            List<String> dnats = new ArrayList<>(1);
            walk(r.path("expr"), targets, dnats);
            t.chain(r.path("chain").asText()).add(new NftTable.Rule(targets, dnats, index));
        }
    }

    private static NftTable table(Map<String, NftTable> tables, String family, String name) {
        return tables.computeIfAbsent(family + " " + name, k -> new NftTable(family, name));
    }

    /** An element wrapped with a comment or timeout: {@code {"elem": {"val": ..., "comment": ...}}}. */
    private static JsonNode value(JsonNode e) {
        return e.has("elem") ? e.get("elem").path("val") : e;
    }

    private static List<String> key(JsonNode k) {
        JsonNode v = value(k);
        List<String> out = new ArrayList<>(3);
        if (v.has("concat")) {
            for (JsonNode part : v.get("concat")) {
                out.add(part.asText());
            }
        } else if (v.isValueNode()) {
            out.add(v.asText());
        }
        return out;
    }

    private static String verdictTarget(JsonNode v) {
        JsonNode j = v.has("goto") ? v.get("goto") : v.get("jump");
        return j == null ? null : j.path("target").asText(null);
    }

    // Jumps and gotos anywhere in the expressions (also inside a vmap), and every dnat statement.
    private static void walk(JsonNode n, List<String> targets, List<String> dnats) {
        if (n.isArray()) {
            for (JsonNode c : n) {
                walk(c, targets, dnats);
            }
            return;
        }
        if (!n.isObject()) {
            return;
        }
        String target = verdictTarget(n);
        if (target != null) {
            targets.add(target);
            return;
        }
        if (n.has("dnat")) {
            dnat(n.get("dnat"), dnats);
            return;
        }
        n.fields().forEachRemaining(f -> walk(f.getValue(), targets, dnats));
    }

    /** {@code {"addr": "10.0.0.1", "port": 80}} or {@code {"addr": {"map": {"key": ..., "data": {"set": [[k, v], ...]}}}}}. */
    private static void dnat(JsonNode d, List<String> out) {
        JsonNode addr = d.path("addr");
        if (addr.isTextual()) {
            out.add(NftTable.hostPort(addr.asText(), d.hasNonNull("port") && d.get("port").isNumber() ? d.get("port").asText() : null));
            return;
        }
        for (JsonNode pair : addr.path("map").path("data").path("set")) {
            JsonNode v = pair.isArray() && pair.size() == 2 ? pair.get(1) : null;
            if (v == null) {
                continue;
            }
            if (v.isTextual()) {
                out.add(v.asText());
            } else if (v.has("concat") && v.get("concat").size() == 2) {
                out.add(NftTable.hostPort(v.get("concat").get(0).asText(), v.get("concat").get(1).asText()));
            }
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    static {
        JSON.configure(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION, false);
    }
}
