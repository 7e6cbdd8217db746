package io.ctflow.streams.api;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP server's executor: a few threads kept and more made on demand, and every exchange —
 * reading the request, handling it, writing the answer — bounded in time. The JDK server reads a
 * request on the executor's thread with a blocking channel and would wait for a stalled client
 * forever; past the limit the thread is interrupted, which closes the channel (an interruptible
 * channel does) and frees the thread. When all threads are busy the server closes a new connection
 * rather than queue it behind stalled ones.
 *
 * <p>Not the JDK's own {@code sun.net.httpserver.maxReqTime}: that is JVM-wide, read once, and applies
 * to every HTTP server in the process (the embedded registry too).
 */
final class BoundedExchanges implements Executor, AutoCloseable {
    private final ThreadPoolExecutor pool;
    private final ScheduledExecutorService watchdog;
    private final long limitNanos;

    BoundedExchanges(int coreThreads, int maxThreads, Duration limit) {
        this.limitNanos = limit.toNanos();
        this.pool = new ThreadPoolExecutor(coreThreads, maxThreads, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> daemon(r, "ctflow-http"));
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "ctflow-http-watchdog"));
        w.setRemoveOnCancelPolicy(true);
        this.watchdog = w;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void execute(Runnable exchange) {
        pool.execute(() -> {
            Thread self = Thread.currentThread();
            Object lock = new Object();
            boolean[] done = {false};
            ScheduledFuture<?> cut = watchdog.schedule(() -> {
                synchronized (lock) {
                    if (!done[0]) {
                        self.interrupt();
                    }
                }
            }, limitNanos, TimeUnit.NANOSECONDS);
            try {
                exchange.run();
            } finally {
                synchronized (lock) {
                    done[0] = true;
                }
                cut.cancel(false);
                Thread.interrupted(); // a cut that came in time must not hit the thread's next exchange
            }
        });
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        pool.shutdownNow();
    }
}
