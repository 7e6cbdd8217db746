package io.ctflow.process;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The one place where ctflow starts external processes (the collector's conntrack, ip, grep; the
 * lab's ip, iptables, python servers). Commands are always argument lists handed to
 * {@link ProcessBuilder}, never a shell, so nothing a user or the network supplies is interpreted.
 * Every start is announced to the {@link #observe observers} first, which is how tests enumerate
 * the processes a run started; tests may also pass their own launcher to fake a tool.
 */
@FunctionalInterface
public interface Launcher {
    /** Starts what {@code pb} describes (its command, redirects and environment). */
    Process start(ProcessBuilder pb) throws IOException;

    /** Starts real processes and tells the observers each argument list. */
    Launcher SYSTEM = pb -> {
        Observers.announce(pb.command());
        return pb.start();
    };

    /**
     * Hands every argument list {@link #SYSTEM} starts from now on to {@code observer} (any
     * thread), until the returned handle is closed.
     */
    static AutoCloseable observe(Consumer<List<String>> observer) {
        Objects.requireNonNull(observer, "observer");
        Observers.LIST.add(observer);
        return () -> Observers.LIST.remove(observer);
    }

    /** Holder of the observers (an interface cannot have private static fields). */
    final class Observers {
        private static final List<Consumer<List<String>>> LIST = new CopyOnWriteArrayList<>();

        private Observers() {}

        static void announce(List<String> command) {
            if (!LIST.isEmpty()) {
                List<String> copy = List.copyOf(command);
                for (Consumer<List<String>> o : LIST) {
                    o.accept(copy);
                }
            }
        }
    }
}
