package io.ctflow.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.ctflow.json.AvroJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Keyset paging of list answers: items are ordered by a {@link Position} (a time, then two texts
 * that make it unique), a page holds at most {@code limit} of them after the cursor, and the
 * cursor is the last item's position. That works across instances: each answers its own page after
 * the cursor, and the merged, re-sorted first {@code limit} are the page.
 */
final class Paging {
    static final int DEFAULT_LIMIT = 500;
    static final int MAX_LIMIT = 5000;

    private Paging() {}

    /** Where an item sits in a list's order. */
    record Position(long time, String a, String b) implements Comparable<Position> {
        static final Comparator<Position> ORDER = Comparator.comparingLong(Position::time)
                .thenComparing(Position::a).thenComparing(Position::b);

        @Override
        public int compareTo(Position o) {
            return ORDER.compare(this, o);
        }

        String cursor() {
            ArrayNode a = AvroJson.MAPPER.createArrayNode().add(time).add(this.a).add(b);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(a.toString().getBytes(StandardCharsets.UTF_8));
        }

        static Position ofCursor(String cursor) {
            try {
                JsonNode a = AvroJson.MAPPER.readTree(Base64.getUrlDecoder().decode(cursor));
                if (a == null || !a.isArray() || a.size() != 3 || !a.get(0).isIntegralNumber() || !a.get(1).isTextual() || !a.get(2).isTextual()) {
                    throw new IllegalArgumentException();
                }
                return new Position(a.get(0).asLong(), a.get(1).asText(), a.get(2).asText());
            } catch (IOException | IllegalArgumentException e) {
                throw new Replies.BadRequest("cursor '" + cursor + "' is not one this API gave: copy it from the Link header");
            }
        }
    }

    /** One page: its items in order, and the position to continue after when more remain (else null). */
    record Page(List<JsonNode> items, Position next) {}

    static int limit(Request r) {
        String s = r.param("limit");
        if (s == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new Replies.BadRequest("limit must be an integer from 1 to " + MAX_LIMIT + ", got '" + s + "'");
    }

    static Position after(Request r) {
        String c = r.param("cursor");
        return c == null ? null : Position.ofCursor(c);
    }

    /**
     * The first {@code limit} items after {@code after}, in order; {@code moreElsewhere}: a part
     * (another instance's) was cut at the limit, so more remain even if this list fits.
     */
    static Page page(List<JsonNode> items, Function<JsonNode, Position> position, Position after, int limit, boolean moreElsewhere) {
        List<Positioned> all = new ArrayList<>(items.size());
        for (JsonNode n : items) {
            Position p = position.apply(n);
            if (after == null || p.compareTo(after) > 0) {
                all.add(new Positioned(p, n));
            }
        }
        all.sort(Comparator.comparing(Positioned::position));
        List<JsonNode> out = new ArrayList<>(Math.min(limit, all.size()));
        for (int i = 0; i < all.size() && i < limit; i++) {
            out.add(all.get(i).node());
        }
        boolean more = all.size() > limit || (moreElsewhere && !out.isEmpty());
        return new Page(out, more ? all.get(out.size() - 1).position() : null);
    }

    /** Sets {@code Link: <...&cursor=X>; rel="next"} (GitHub style) when the page has a next one. */
    static void link(Request r, Page page) {
        if (page.next() == null) {
            return;
        }
        String base = r.pathAndQueryWithout("cursor");
        String local = r.local() ? "&local=true" : "";
        r.exchange().getResponseHeaders().set("Link",
                "<" + base + (base.indexOf('?') < 0 ? "?" : "&") + "cursor=" + page.next().cursor() + local + ">; rel=\"next\"");
    }

    private record Positioned(Position position, JsonNode node) {}
}
