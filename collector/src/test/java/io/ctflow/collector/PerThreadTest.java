package io.ctflow.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PerThreadTest {
    @Test
    void eachThreadKeepsItsOwnValueTheFirstOneAsWellAsTheOthers() throws Exception {
        AtomicInteger made = new AtomicInteger();
        PerThread<Object> values = new PerThread<>(() -> {
            made.incrementAndGet();
            return new Object();
        });
        Object mine = values.get();
        assertSame(mine, values.get());
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentHashMap<Thread, Object> seen = new ConcurrentHashMap<>();
        List<Thread> all = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    Object first = values.get();
                    for (int k = 0; k < 10_000; k++) {
                        assertSame(first, values.get());
                    }
                    seen.put(Thread.currentThread(), first);
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            });
            all.add(t);
            t.start();
        }
        start.countDown();
        for (Thread t : all) {
            t.join(10_000);
        }
        assertEquals(List.of(), errors);
        assertEquals(threads, seen.size());
        assertEquals(threads, seen.values().stream().distinct().count(), "one value per thread");
        seen.values().forEach(v -> assertNotSame(mine, v));
        assertSame(mine, values.get());
        assertEquals(threads + 1, made.get(), "one value made per thread");
    }
}
