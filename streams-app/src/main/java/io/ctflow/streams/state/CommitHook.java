package io.ctflow.streams.state;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A store without data that tells its task's processors that a commit is coming: Kafka Streams calls
 * it when it flushes the task's store caches, which it does before every commit (and before a task
 * is suspended or closed cleanly), then flushes the record collector and commits the transaction.
 * A processor that keeps the states it changed in memory writes them to its changelogged stores from
 * here: a flow touched three times within a commit interval is written once, and the changelog still
 * holds every change before the input offsets that made it are committed.
 *
 * <p>Why an internal interface: Kafka Streams gives processors no commit callback; its own record
 * cache gets exactly this call through {@link CachedStateStore#flushCache()}
 * ({@code StreamTask.prepareCommit} → {@code ProcessorStateManager.flushCache}). {@code CommitHookTest}
 * pins that the call comes before each commit (TopologyTestDriver drives the same StreamTask commit
 * path), {@code AbortedTransactionIT} and {@code StreamsKillIT} that nothing is lost across a crash.
 */
public final class CommitHook implements StateStore, CachedStateStore<Object, Object> {

    /** What a processor does before a commit, and when the task throws away what it did not commit. */
    public interface Listener {
        /** Write everything changed since the last commit to the stores (and so to their changelogs). */
        void beforeCommit();

        /** The task is closed dirty (an aborted transaction): drop what was not written. */
        void discard();
    }

    private final String name;
    private final Map<String, Listener> listeners = new LinkedHashMap<>();
    private boolean open;

    CommitHook(String name) {
        this.name = name;
    }

    /** Registers (or replaces: a re-initialised processor registers again) the listener under {@code id}. */
    public void listen(String id, Listener listener) {
        listeners.put(id, listener);
    }

    @Override
    public void flushCache() {
        for (Listener l : listeners.values()) {
            l.beforeCommit();
        }
    }

    @Override
    public void clearCache() {
        for (Listener l : listeners.values()) {
            l.discard();
        }
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        listeners.clear();
        context.register(root, (key, value) -> {
            // no changelog: nothing to restore
        });
        open = true;
    }

    @Override
    public void flush() {
        // Flushing a store (checkpoints) is not a commit: the listeners write in flushCache only.
    }

    @Override
    public void close() {
        listeners.clear();
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return QueryResult.forUnknownQueryType(query, this);
    }

    @Override
    public Position getPosition() {
        return Position.emptyPosition();
    }
}
