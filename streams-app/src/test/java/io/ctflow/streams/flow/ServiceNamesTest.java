package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ServiceNamesTest {
    final ServiceNames names = new ServiceNames();

    static ByteBuffer ip(int... octets) {
        byte[] b = new byte[octets.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) octets[i];
        }
        return ByteBuffer.wrap(b);
    }

    @Test
    void namesAnAddressAsTheServicesTableAndTheDefaultIdDo() {
        ServiceNames.Names n = names.of(6, ip(10, 96, 0, 10), 53);
        assertEquals("tcp/10.96.0.10:53", n.tableKey());
        assertEquals("10.96.0.10:53/tcp", n.address());
        ServiceNames.Names v6 = names.of(17, ip(0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a), 53);
        assertEquals("udp/[fd00::a]:53", v6.tableKey());
        assertEquals("[fd00::a]:53/udp", v6.address());
    }

    @Test
    void aRepeatedAddressGetsTheSameInstancesAndItsBufferIsNotMoved() {
        ByteBuffer vip = ip(10, 96, 0, 10);
        ServiceNames.Names first = names.of(6, vip, 80);
        ServiceNames.Names again = names.of(6, ip(10, 96, 0, 10), 80);
        assertSame(first, again);
        assertSame(first.address(), again.address());
        assertEquals(0, vip.position());
        // a buffer whose content starts further in: only its remaining bytes are the address
        ByteBuffer inner = ByteBuffer.wrap(new byte[] {1, 2, 10, 96, 0, 10}, 2, 4).slice();
        assertSame(first, names.of(6, inner, 80));
    }

    @Test
    void protocolPortAndAddressEachMakeAnotherName() {
        ServiceNames.Names tcp = names.of(6, ip(10, 96, 0, 10), 80);
        assertNotSame(tcp, names.of(17, ip(10, 96, 0, 10), 80));
        assertNotSame(tcp, names.of(6, ip(10, 96, 0, 10), 81));
        assertNotSame(tcp, names.of(6, ip(10, 96, 0, 11), 80));
        assertEquals("udp/10.96.0.10:80", names.of(17, ip(10, 96, 0, 10), 80).tableKey());
    }

    @Test
    void manyMoreAddressesThanSlotsAreAlwaysNamedRight() {
        // collisions replace entries: every answer must still be the address's own names
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            byte[] a = new byte[r.nextInt(4) == 0 ? 16 : 4];
            r.nextBytes(a);
            if (r.nextBoolean()) {
                a[a.length - 1] = (byte) r.nextInt(4); // some addresses repeat
            }
            int proto = r.nextBoolean() ? 6 : 17;
            int port = r.nextInt(4) == 0 ? r.nextInt(65536) : 80 + r.nextInt(3);
            ServiceNames.Names n = names.of(proto, ByteBuffer.wrap(a), port);
            assertEquals(ServiceNames.tableKey(proto, ByteBuffer.wrap(a), port), n.tableKey());
            assertEquals(ServiceNames.address(proto, ByteBuffer.wrap(a), port), n.address());
        }
    }

    @Test
    void clearForgetsTheNames() {
        ServiceNames.Names n = names.of(6, ip(10, 96, 0, 10), 80);
        names.clear();
        ServiceNames.Names again = names.of(6, ip(10, 96, 0, 10), 80);
        assertNotSame(n, again);
        assertEquals(n, again);
    }
}
