package io.ctflow.streams.state;

import java.util.Map;
import org.apache.kafka.streams.state.StoreBuilder;

/** Builds a {@link CommitHook}: no changelog (it holds no data) and no cache. */
public final class CommitHookBuilder implements StoreBuilder<CommitHook> {
    private final String name;

    public CommitHookBuilder(String name) {
        this.name = name;
    }

    @Override
    public StoreBuilder<CommitHook> withCachingEnabled() {
        throw new UnsupportedOperationException("a commit hook has no data to cache");
    }

    @Override
    public StoreBuilder<CommitHook> withCachingDisabled() {
        return this;
    }

    @Override
    public StoreBuilder<CommitHook> withLoggingEnabled(Map<String, String> config) {
        throw new UnsupportedOperationException("a commit hook has no data to log");
    }

    @Override
    public StoreBuilder<CommitHook> withLoggingDisabled() {
        return this;
    }

    @Override
    public CommitHook build() {
        return new CommitHook(name);
    }

    @Override
    public Map<String, String> logConfig() {
        return Map.of();
    }

    @Override
    public boolean loggingEnabled() {
        return false;
    }

    @Override
    public String name() {
        return name;
    }
}
