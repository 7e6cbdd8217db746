package io.ctflow.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.json.AvroJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The app's instances as the API sees them: which one owns a key (its store partition), fetching an
 * answer from it, gathering a list from every instance, and this instance's own stores.
 */
final class Cluster {
    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    Cluster(KafkaStreams streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    KafkaStreams streams() {
        return streams;
    }

    /** The other instance that owns {@code key} of {@code store}, or null when it is this one (or unknown: answer locally). */
    <K> HostInfo remoteOwner(String store, K key, Serializer<K> ser) {
        KeyQueryMetadata md = streams.queryMetadataForKey(store, key, ser);
        if (md == null || md.activeHost() == null || md.activeHost().port() < 0
                || md.activeHost().equals(HostInfo.unavailable()) || md.activeHost().equals(self)) {
            return null;
        }
        return md.activeHost();
    }

    /** This instance's store (every local task's partition of it, or the global store). */
    <K, V> ReadOnlyKeyValueStore<K, V> store(String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore()));
    }

    /**
     * This instance's store, or null when it holds no partition of it while running (more instances
     * than partitions): its part of a list is then empty. Not ready otherwise: the 503 it throws.
     */
    <K, V> ReadOnlyKeyValueStore<K, V> storeIfAny(String name) {
        try {
            return store(name);
        } catch (InvalidStateStoreException e) {
            if (streams.state() == KafkaStreams.State.RUNNING) {
                return null;
            }
            throw e;
        }
    }

    /** Answers the request with the owner's answer to it, or 502 naming the owner. */
    void forward(Request r, HostInfo owner) throws IOException {
        String where = owner.host() + ":" + owner.port();
        try {
            HttpResponse<byte[]> res = client.send(HttpRequest.newBuilder(URI.create("http://" + where + r.forLocal()))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
            r.exchange().getResponseHeaders().set("X-Ctflow-Owner", where);
            res.headers().firstValue("Link").ifPresent(l -> r.exchange().getResponseHeaders().set("Link", l.replace("&local=true", "")));
            Replies.sendBytes(r.exchange(), res.statusCode(), "application/json", res.body());
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            ObjectNode err = Replies.error("owner " + where + " did not answer: " + e.getMessage());
            err.put("owner", where);
            Replies.send(r.exchange(), 502, err);
        }
    }

    /** What the other instances answered to a list request: their items, whether one cut its list at the limit, who did not answer. */
    record Gathered(List<JsonNode> items, boolean more, List<String> missing) {}

    /** Asks every other instance the same request with {@code local=true}; an empty result when the request is local itself. */
    Gathered others(Request r) {
        List<JsonNode> items = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        boolean more = false;
        if (r.local()) {
            return new Gathered(items, false, missing);
        }
        for (StreamsMetadata md : streams.metadataForAllStreamsClients()) {
            HostInfo h = md.hostInfo();
            if (h.equals(self) || h.port() <= 0) {
                continue;
            }
            String where = h.host() + ":" + h.port();
            try {
                HttpResponse<String> res = client.send(HttpRequest.newBuilder(URI.create("http://" + where + r.forLocal()))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                JsonNode body = res.statusCode() == 200 ? AvroJson.MAPPER.readTree(res.body()) : null;
                if (body == null || !body.isArray()) {
                    missing.add(where);
                    continue;
                }
                body.forEach(items::add);
                more |= res.headers().firstValue("Link").isPresent();
            } catch (IOException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                missing.add(where);
            }
        }
        if (!missing.isEmpty()) {
            r.exchange().getResponseHeaders().set("X-Ctflow-Missing", String.join(",", missing));
        }
        return new Gathered(items, more, missing);
    }
}
