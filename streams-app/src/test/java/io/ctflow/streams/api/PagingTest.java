package io.ctflow.streams.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctflow.json.AvroJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PagingTest {
    static JsonNode item(long t, String node, String id) {
        return AvroJson.MAPPER.createObjectNode().put("t", t).put("node", node).put("id", id);
    }

    static Paging.Position pos(JsonNode n) {
        return new Paging.Position(n.get("t").asLong(), n.get("node").asText(), n.get("id").asText());
    }

    static Request request(Map<String, String> q, String rawQuery) {
        return new Request(null, "/anomalies", rawQuery, q);
    }

    @Test
    void pagesFollowTheOrderAndTheCursorContinuesAfterTheLastItem() {
        List<JsonNode> all = List.of(item(3, "a", "x"), item(1, "b", "y"), item(1, "a", "z"), item(2, "a", "w"));
        Paging.Page first = Paging.page(all, PagingTest::pos, null, 2, false);
        assertEquals(List.of("z", "y"), ids(first.items()));
        Paging.Position after = Paging.Position.ofCursor(first.next().cursor());
        assertEquals(first.next(), after);
        Paging.Page second = Paging.page(all, PagingTest::pos, after, 2, false);
        assertEquals(List.of("w", "x"), ids(second.items()));
        assertNull(second.next(), "nothing after the last");
    }

    @Test
    void anotherInstancesCutPartMeansMoreEvenWhenTheMergeFits() {
        Paging.Page p = Paging.page(List.of(item(1, "a", "x")), PagingTest::pos, null, 1, true);
        assertEquals(new Paging.Position(1, "a", "x"), p.next());
    }

    @Test
    void badLimitsAndCursorsAre400s() {
        assertEquals(Paging.DEFAULT_LIMIT, Paging.limit(request(Map.of(), null)));
        assertEquals(5000, Paging.limit(request(Map.of("limit", "5000"), "limit=5000")));
        for (String bad : List.of("0", "5001", "-1", "ten")) {
            assertThrows(Replies.BadRequest.class, () -> Paging.limit(request(Map.of("limit", bad), "limit=" + bad)));
        }
        for (String bad : List.of("nonsense", "W10", "WzEsMl0")) { // not base64 JSON; [] ; [1,2]
            assertThrows(Replies.BadRequest.class, () -> Paging.Position.ofCursor(bad));
        }
    }

    @Test
    void forwardedAndNextUrlsKeepTheQueryButLocalAndCursor() {
        Request r = request(Map.of(), "status=open&local=true&cursor=abc&node=n%7C1");
        assertEquals("/anomalies?status=open&node=n%7C1", r.pathAndQueryWithout("cursor"));
        assertEquals("/anomalies?status=open&cursor=abc&node=n%7C1&local=true", r.forLocal());
        assertEquals("/anomalies?local=true", request(Map.of(), null).forLocal());
    }

    private static List<String> ids(List<JsonNode> items) {
        List<String> out = new ArrayList<>();
        items.forEach(n -> out.add(n.get("id").asText()));
        return out;
    }
}
