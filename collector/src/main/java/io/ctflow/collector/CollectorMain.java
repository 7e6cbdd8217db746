package io.ctflow.collector;

import io.ctflow.collector.cli.CollectCommand;
import io.ctflow.collector.cli.ParseCommand;
import io.ctflow.collector.cli.RecordCommand;
import io.ctflow.collector.cli.ReplayCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The collector jar's command line: collect, record, replay, parse. */
@Command(name = "ctflow-collector", mixinStandardHelpOptions = true, version = "ctflow-collector 0.1.0",
        description = "Conntrack telemetry into Kafka: collect a live node, record or replay a capture, parse conntrack output.",
        subcommands = {CollectCommand.class, RecordCommand.class, ReplayCommand.class, ParseCommand.class,
            CommandLine.HelpCommand.class})
public final class CollectorMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line (picocli handlers: bad flags print one line and exit 2). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new CollectorMain());
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(io.ctflow.config.ExitPolicy.line(c.getCommandName(), ex.getMessage()) + " (see '"
                    + c.getCommandSpec().qualifiedName() + " --help')");
            c.getErr().flush();
            return CollectorException.USER_ERROR;
        });
        return cl;
    }
}
