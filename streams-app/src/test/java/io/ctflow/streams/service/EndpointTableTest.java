package io.ctflow.streams.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.avro.Endpoint;
import io.ctflow.avro.Protocol;
import io.ctflow.avro.ServiceEntry;
import io.ctflow.net.Addresses;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class EndpointTableTest {
    static ServiceEntry svc(String... endpoints) {
        List<Endpoint> eps = new ArrayList<>();
        for (String e : endpoints) {
            eps.add(new Endpoint(ByteBuffer.wrap(Addresses.parse(e)), 80));
        }
        return ServiceEntry.newBuilder().setId("ns/s:p").setVip(ByteBuffer.wrap(Addresses.parse("10.96.0.1"))).setPort(80)
                .setProtocol(Protocol.TCP).setEndpoints(eps).setTimestamp(Instant.EPOCH).build();
    }

    static KeyValueStore<String, ServiceEntry> store() {
        KeyValueStore<String, ServiceEntry> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("services"), Serdes.String(),
                Serdes.serdeFrom((String t, ServiceEntry v) -> avro(v), (String t, byte[] b) -> avro(b))).withLoggingDisabled().build();
        MockProcessorContext<Object, Object> ctx = new MockProcessorContext<>();
        s.init(ctx.getStateStoreContext(), s);
        return s;
    }

    static byte[] avro(ServiceEntry v) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
            new org.apache.avro.specific.SpecificDatumWriter<>(ServiceEntry.class).write(v, enc);
            enc.flush();
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static ServiceEntry avro(byte[] b) {
        try {
            return new org.apache.avro.specific.SpecificDatumReader<>(ServiceEntry.class)
                    .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(b, null));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void learnsFirstThenReportsRemovedEndpointsAndEmptyServicesOnlyWhenTheVersionMoved() {
        ServicesVersion version = new ServicesVersion();
        KeyValueStore<String, ServiceEntry> services = store();
        services.put("tcp/10.96.0.1:80", svc("10.244.1.2", "10.244.1.3"));
        services.put("tcp/10.96.0.2:80", svc("10.244.1.4"));
        EndpointTable table = new EndpointTable(version);

        EndpointTable.Change first = table.changes(services);
        assertTrue(first.first());
        assertEquals(Map.of(), first.removed(), "the first look only learns");
        assertNull(table.changes(services), "unchanged version: nothing read");

        services.put("tcp/10.96.0.1:80", svc("10.244.1.3", "10.244.1.9"));
        services.put("tcp/10.96.0.3:80", svc());
        services.delete("tcp/10.96.0.2:80");
        version.bump();
        EndpointTable.Change c = table.changes(services);
        assertFalse(c.first());
        assertEquals(Map.of("tcp/10.96.0.1:80", Set.of("10.244.1.2:80"), "tcp/10.96.0.2:80", Set.of("10.244.1.4:80")), c.removed(),
                "a removed endpoint, and all of a deleted Service's");
        assertEquals(Set.of("tcp/10.96.0.3:80"), c.withoutEndpoints().keySet());
        assertTrue(table.lists("tcp/10.96.0.1:80", "10.244.1.9:80"));
        assertFalse(table.lists("tcp/10.96.0.1:80", "10.244.1.2:80"));
        assertFalse(table.lists("tcp/10.96.0.2:80", "10.244.1.4:80"));
    }
}
