package io.ctflow.streams.api;

import java.io.IOException;

/** One feature's paths of the API. */
interface Route {
    /** Whether the (raw) path is this route's. */
    boolean matches(String rawPath);

    void handle(Request r) throws IOException;
}
