package io.ctflow.cli;

import io.ctflow.collector.cli.CollectCommand;
import io.ctflow.collector.cli.ParseCommand;
import io.ctflow.collector.cli.RecordCommand;
import io.ctflow.collector.cli.ReplayCommand;
import picocli.CommandLine;

/** Mounts the collector's commands (collect, record, replay, parse) under {@code ctflow}. */
final class CollectorCommands {
    private CollectorCommands() {}

    static void register(CommandLine root) {
        root.addSubcommand(new CollectCommand());
        root.addSubcommand(new RecordCommand());
        root.addSubcommand(new ReplayCommand());
        root.addSubcommand(new ParseCommand());
    }
}
