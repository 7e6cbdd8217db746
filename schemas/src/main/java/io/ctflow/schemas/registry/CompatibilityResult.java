package io.ctflow.schemas.registry;

import java.util.List;

/** Answer of {@code POST /compatibility/subjects/{s}/versions/latest?verbose=true}. */
public record CompatibilityResult(boolean compatible, List<String> messages) {
    public CompatibilityResult {
        messages = List.copyOf(messages);
    }
}
