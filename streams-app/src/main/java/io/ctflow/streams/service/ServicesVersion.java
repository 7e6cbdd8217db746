package io.ctflow.streams.service;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A counter of changes to the Services global store. Global-store processors cannot forward, so the
 * flow tasks learn of a change by reading this (bumped by the global updater, read on punctuation):
 * checking it is O(1), and only a change makes a task look at the Services table.
 */
public final class ServicesVersion {
    private final AtomicLong version = new AtomicLong();

    public void bump() {
        version.incrementAndGet();
    }

    public long get() {
        return version.get();
    }
}
