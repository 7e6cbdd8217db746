package io.ctflow.streams.outage;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A registry-backed serde that waits while the registry does not answer, for the global stores:
 * Kafka Streams cannot replace its global thread (a failure there stops the app), and that thread
 * holds no transaction or group membership, so it may wait. Backs off from 0.5 s to 5 s and says
 * once when it starts waiting and once when the registry is back. Bad data still throws.
 */
public final class RegistryWaitingSerde<T> implements Serde<T> {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryWaitingSerde.class);
    static final long FIRST_BACKOFF_MS = 500;
    static final long MAX_BACKOFF_MS = 5000;

    private final Serde<T> inner;

    private RegistryWaitingSerde(Serde<T> inner) {
        this.inner = inner;
    }

    public static <T> Serde<T> of(Serde<T> inner) {
        return new RegistryWaitingSerde<>(inner);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        inner.configure(configs, isKey);
    }

    @Override
    public Serializer<T> serializer() {
        Serializer<T> s = inner.serializer();
        return (topic, data) -> waiting(topic, () -> s.serialize(topic, data));
    }

    @Override
    public Deserializer<T> deserializer() {
        Deserializer<T> d = inner.deserializer();
        return (topic, data) -> waiting(topic, () -> d.deserialize(topic, data));
    }

    static <R> R waiting(String topic, Supplier<R> call) {
        long backoff = FIRST_BACKOFF_MS;
        boolean said = false;
        while (true) {
            try {
                R r = call.get();
                if (said) {
                    LOG.warn("{}: the schema registry answers again", topic);
                }
                return r;
            } catch (SerializationException e) {
                if (!RegistryOutage.isCause(e)) {
                    throw e;
                }
                if (!said) {
                    LOG.warn("{}; waiting for it (a global store's records wait)", e.getMessage());
                    said = true;
                }
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new SerializationException(topic + ": interrupted while waiting for the schema registry", ie);
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
    }

    @Override
    public void close() {
        inner.close();
    }
}
