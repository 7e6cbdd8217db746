package io.ctflow.cli.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The small parts: kube-proxy's names and probabilities, the port pool, the line renderer, the event queue. */
class SimulationPartsTest {
    @Test
    void chainNamesAreKubeProxysOwn() {
        // the kubernetes Service's chain on every cluster
        assertEquals("NPX46M4PTMTKRN6Y", NatRules.hash("default/kubernetes:https" + "tcp"));
    }

    @Test
    void probabilitiesPrintAsIptablesSavePrintsThem() {
        assertEquals("0.50000000000", NatRules.probability(2));
        assertEquals("0.33333333349", NatRules.probability(3));
    }

    @Test
    void aPortComesBackOnlyAfterTheWholeRangeAndOnlyWhenFree() {
        PortPool pool = new PortPool(100, 109);
        pool.start(3);
        Set<Integer> first = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            first.add(pool.allocate(0, i == 0 ? 50 : 10));
        }
        assertEquals(10, first.size());
        assertEquals(-1, pool.allocate(5, 60), "all in use");
        assertEquals(-1, pool.allocate(20, 60), "the oldest one is still in use");
        int again = pool.allocate(50, 60);
        assertTrue(again >= 100 && again <= 109);
        assertEquals(103, again, "the cycle starts over where it started");
    }

    @Test
    void rendersLinesLikeConntrack() {
        SimNode node1 = new SimNode(0, "node1", new byte[] {10, (byte) 244, 1, 0}, new byte[16], 0, true);
        SimPod a = new SimPod(0, "veth-a", node1.host(false, 2), node1.host(true, 2));
        SimPod b = new SimPod(0, "veth-b", node1.host(false, 3), node1.host(true, 3));
        SimService web = new SimService(0, "default", "web", "http", SimService.Kind.TCP, false, new byte[] {10, 96, 0, 10}, 80,
            8080, List.of(b));
        Connection c = new Connection(Connection.TCP, false, a, web, b.v4, b.v4Text, 8080);
        c.addView(0, 1101439002L, web.vipText, 80);
        c.clientPort = 39906;
        c.add(0, Step.TCP_NEW, 0);
        c.add(0, Step.TCP_TIME_WAIT, 1);
        c.add(0, Step.TCP_DESTROY_UNREPLIED, 2);
        LineRenderer r = new LineRenderer();
        assertEquals("[1795711619.941098]\t    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.244.1.2 dst=10.96.0.10 "
            + "sport=39906 dport=80 [UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=39906 id=1101439002\n",
            line(r, r.event(c, 0, 1795711619_941098L)));
        assertEquals("[1795711619.943229]\t [UPDATE] ipv4     2 tcp      6 120 TIME_WAIT src=10.244.1.2 dst=10.96.0.10 "
            + "sport=39906 dport=80 src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=39906 [ASSURED] id=1101439002\n",
            line(r, r.event(c, 1, 1795711619_943229L)));
        assertEquals("[1795711676.000005]\t[DESTROY] ipv4     2 tcp      6 SYN_SENT src=10.244.1.2 dst=10.96.0.10 "
            + "sport=39906 dport=80 [UNREPLIED] src=10.244.1.3 dst=10.244.1.2 sport=8080 dport=39906 id=1101439002\n",
            line(r, r.event(c, 2, 1795711676_000005L)));
        assertEquals("[1795711676.000005] lost events (ENOBUFS)\n", line(r, r.lost(1795711676_000005L)));

        Connection ping = new Connection(Connection.ICMPV6, true, a, null, b.v6, b.v6Text, 0);
        ping.addView(0, 7, b.v6Text, 0);
        ping.clientPort = 1234;
        ping.add(0, Step.ICMP_NEW, 0);
        assertEquals("[1.000000]\t    [NEW] ipv6     10 icmpv6   58 30 src=::2 dst=::3 type=128 code=0 id=1234 [UNREPLIED] "
            + "src=::3 dst=::2 type=129 code=0 id=1234 id=7\n", line(r, r.event(ping, 0, 1_000_000L)));
    }

    @Test
    void lossDropsAboutTheFractionInBurstsThatEachStartOnce() {
        LossModel loss = new LossModel(0.3, new SplittableRandom(2));
        int dropped = 0;
        int bursts = 0;
        int run = 0;
        int longest = 0;
        for (int i = 0; i < 200_000; i++) {
            LossModel.Verdict v = loss.next();
            if (v == LossModel.Verdict.DROP_FIRST) {
                bursts++;
                run = 1;
            } else if (v == LossModel.Verdict.DROP) {
                assertTrue(run > 0, "a burst goes on only after it started");
                run++;
            } else {
                run = 0;
            }
            longest = Math.max(longest, run);
            dropped += v == LossModel.Verdict.KEEP ? 0 : 1;
        }
        assertEquals(0.3, dropped / 200_000.0, 0.02);
        assertEquals(LossModel.MEAN_BURST, (double) dropped / bursts, 1.5);
        assertTrue(longest <= 2 * LossModel.MAX_BURST, "bursts may touch, each is at most MAX_BURST: " + longest);
        LossModel none = new LossModel(0, new SplittableRandom(2));
        for (int i = 0; i < 1000; i++) {
            assertEquals(LossModel.Verdict.KEEP, none.next());
        }
    }

    @Test
    void theFleetsAddressesAndServicesAreLaidOutAsDocumented() {
        Fleet fleet = Fleet.build(1200, 300, 0, true, new SplittableRandom(5));
        SimNode n300 = fleet.nodes.get(299);
        assertEquals("node-0300", n300.name);
        assertEquals("10.65.44.0", io.ctflow.net.Addresses.format(n300.v4Net));
        assertEquals("fd00:10:244:12c::", io.ctflow.net.Addresses.format(n300.v6Net));
        assertEquals("10.65.44.2", new String(n300.pods.get(0).v4Text, StandardCharsets.US_ASCII));
        assertEquals(24, fleet.bypassNodes.size(), "2 % of the nodes");
        SimService dns = fleet.services.get(0);
        assertEquals("kube-system/kube-dns:dns", dns.id());
        assertEquals("10.96.0.10", io.ctflow.net.Addresses.format(dns.vip));
        // bypass anomalies need Services with an endpoint on a bypass node, of both protocols
        assertTrue(!fleet.nodes.get(dns.endpoints.get(0).node).bridgeNf);
        assertTrue(!fleet.nodes.get(fleet.services.get(1).endpoints.get(0).node).bridgeNf);
        assertTrue(fleet.services.get(1).tcp());
        Set<String> vips = new HashSet<>();
        for (SimService s : fleet.services) {
            assertTrue(vips.add(io.ctflow.net.Addresses.format(s.vip)), s.id());
            assertTrue(s.endpoints.size() >= 1 && s.endpoints.size() <= 3, s.id());
            assertEquals(s.endpoints.size(), new HashSet<>(s.endpoints).size(), s.id());
            if (!s.ipv6) {
                assertTrue(io.ctflow.net.Addresses.inCidr(s.vip, "10.96.0.0/12"), s.id());
            }
        }
        assertTrue(fleet.udpRequestResponse.size() > 1 && !fleet.udpStreams.isEmpty() && fleet.tcpServices.size() > 200);
        // without anomalies every node passes bridged traffic through iptables
        assertTrue(Fleet.build(10, 5, 0, false, new SplittableRandom(5)).bypassNodes.isEmpty());
    }

    private static String line(LineRenderer r, int len) {
        return new String(r.scratch, 0, len, StandardCharsets.US_ASCII);
    }

    @Test
    void theQueueGivesEventsInTimeOrder() {
        EventQueue q = new EventQueue();
        SplittableRandom r = new SplittableRandom(1);
        Connection[] cs = new Connection[3000];
        for (int i = 0; i < cs.length; i++) {
            cs[i] = new Connection(Connection.TCP, false, null, null, new byte[4], new byte[0], i);
            q.push(r.nextInt(100), cs[i]);
        }
        long lastTime = -1;
        Set<Connection> seen = new HashSet<>();
        long t;
        while ((t = q.peekTime()) != Long.MAX_VALUE) {
            Connection c = q.pop();
            assertTrue(seen.add(c));
            assertTrue(t >= lastTime);
            lastTime = t;
            if (r.nextInt(3) == 0) {
                q.push(t + r.nextInt(50), c); // popped ones come back later, as connections do
                seen.remove(c);
            }
        }
        assertEquals(cs.length, seen.size());
    }
}
