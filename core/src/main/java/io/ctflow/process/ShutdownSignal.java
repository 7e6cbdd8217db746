package io.ctflow.process;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C / SIGTERM for a command that must finish its clean-up before the JVM exits. The JVM exits
 * as soon as its shutdown hooks return, so the hook runs {@code onSignal} (tells the command to
 * stop) and then holds the exit until {@link #close()} says the command is done, at most
 * {@code grace}. Close it last: after the clean-up and after anything the command says about it.
 */
public final class ShutdownSignal implements AutoCloseable {
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicBoolean received = new AtomicBoolean();
    final Thread hook;

    private ShutdownSignal(String threadName, Duration grace, Runnable onSignal) {
        hook = new Thread(() -> {
            received.set(true);
            onSignal.run();
            try {
                done.await(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, threadName);
    }

    /** Registers the hook; {@link #close()} removes it again when the command ends by itself. */
    public static ShutdownSignal install(String threadName, Duration grace, Runnable onSignal) {
        ShutdownSignal s = new ShutdownSignal(threadName, grace, onSignal);
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    /** Whether the signal came (the command's failure may just be how it was stopped). */
    public boolean received() {
        return received.get();
    }

    @Override
    public void close() {
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it returns now that done is counted down
        }
    }
}
