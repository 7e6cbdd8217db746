package io.ctflow.cli;

import picocli.CommandLine;

/** Mounts the collector's commands (collect, record, replay, parse) under {@code ctflow}. */
final class CollectorCommands {
    private CollectorCommands() {}

    static void register(CommandLine root) {
    }
}
