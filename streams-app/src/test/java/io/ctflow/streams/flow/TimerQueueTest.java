package io.ctflow.streams.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ctflow.flow.FlowKey;
import io.ctflow.streams.flow.FlowTimers.Kind;
import io.ctflow.streams.flow.FlowTimers.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class TimerQueueTest {
    static final FlowKey A = FlowKey.parse("tcp,10.244.1.3:8080,10.244.1.2:1");

    @Test
    void aMillisecondPartlyDueGivesItsDueTimersAndKeepsTheRest() {
        TimerQueue q = new TimerQueue();
        q.add(new Timer(5_900, Kind.EXPIRE, A, null));
        q.add(new Timer(5_100, Kind.REPLY, A, "n1"));
        q.add(new Timer(5_500, Kind.REPLY, A, "n2"));
        assertEquals(List.of(new Timer(5_100, Kind.REPLY, A, "n1")), q.pollDue(5_499, 10));
        q.add(new Timer(5_200, Kind.REPLY, A, "n3")); // joins the bucket after its sort, already due
        q.remove(new Timer(5_900, Kind.EXPIRE, A, null));
        assertEquals(List.of(new Timer(5_200, Kind.REPLY, A, "n3"), new Timer(5_500, Kind.REPLY, A, "n2")), q.pollDue(6_000, 10));
        assertEquals(0, q.size());
        assertEquals(List.of(), q.pollDue(Long.MAX_VALUE, 10));
    }

    @Test
    void aMarkReplacesTheQueuedTimerInItsPlace() {
        TimerQueue q = new TimerQueue();
        Timer plain = new Timer(1_000, Kind.EXPIRE, A, null);
        q.add(plain);
        assertNull(q.get(new Timer(1_001, Kind.EXPIRE, A, null)));
        FlowTimers t = new FlowTimers();
        t.addExpiry(1_000, A, false);
        t.markQuiet(1_000, A);
        assertTrue(t.pollDue(1_000, 1).get(0).quiet());
    }

    /** Random adds, cancels, marks and polls, against a sorted set of every timer (what the queue replaced). */
    @Test
    void firesExactlyWhatASortedSetWouldInTheSameOrder() {
        SplittableRandom r = new SplittableRandom(11);
        FlowKey[] flows = new FlowKey[50];
        for (int i = 0; i < flows.length; i++) {
            flows[i] = FlowKey.parse("tcp,10.244.1." + i + ":8080,10.244.2.2:" + (1000 + i));
        }
        TimerQueue q = new TimerQueue();
        TreeSet<Timer> model = new TreeSet<>(Timer.ORDER);
        long now = 1_000_000;
        int fired = 0;
        for (int n = 0; n < 200_000; n++) {
            int op = r.nextInt(10);
            if (op < 5) { // a deadline from a little in the past to a few seconds ahead, often the same millisecond
                long at = now - 2_000 + r.nextLong(r.nextBoolean() ? 5_000 : 3_000_000);
                Timer t = new Timer(at, r.nextBoolean() ? Kind.REPLY : Kind.EXPIRE, flows[r.nextInt(flows.length)], r.nextBoolean() ? null : "n" + r.nextInt(3));
                q.add(t);
                model.add(t);
            } else if (op < 7 && !model.isEmpty()) { // cancel a queued timer or one that is not
                Timer t = r.nextBoolean() ? model.ceiling(new Timer(now + r.nextLong(3_000_000), Kind.REPLY, flows[0], null)) : null;
                if (t == null) {
                    t = new Timer(now + r.nextLong(3_000_000), Kind.EXPIRE, flows[r.nextInt(flows.length)], null);
                }
                assertEquals(model.remove(t), q.remove(t), "cancel " + n);
            } else {
                now += r.nextLong(r.nextInt(4) == 0 ? 200_000 : 2_000);
                int max = 1 + r.nextInt(20);
                List<Timer> expected = new ArrayList<>();
                while (expected.size() < max && !model.isEmpty() && model.first().at() <= now) {
                    expected.add(model.pollFirst());
                }
                List<Timer> got = q.pollDue(now, max);
                assertEquals(expected, got, "poll " + n + " at " + now);
                fired += got.size();
            }
            assertEquals(model.size(), q.size());
        }
        assertTrue(fired > 20_000, fired + " fired");
    }
}
