package io.ctflow.cli;

import io.ctflow.config.ExitPolicy;
import io.ctflow.streams.StreamsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ctflow} command. Exit codes per {@link ExitPolicy}: 0 ok, 1 runtime failure, 2 usage error; only bugs show a stack trace. */
@Command(name = "ctflow", mixinStandardHelpOptions = true, version = "ctflow 0.1.0",
        description = {"Conntrack telemetry into Kafka; incomplete Service NAT found with Kafka Streams.",
                "Start with: ctflow demo"},
        subcommands = {DemoCommand.class, UpCommand.class, io.ctflow.cli.lab.LabCommand.class, StreamsCommand.class, io.ctflow.cli.bench.BenchCommand.class,
                io.ctflow.cli.simulate.SimulateCommand.class, io.ctflow.cli.score.ScoreCommand.class,
                io.ctflow.cli.kafka.KafkaCommand.class, io.ctflow.cli.tail.TailCommand.class,
                CommandLine.HelpCommand.class})
public final class Ctflow implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Ctflow());
        CollectorCommands.register(cl);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            int code = ExitPolicy.exitCode(ex);
            if (code == ExitPolicy.BUG) {
                throw ex; // a bug: picocli prints the stack trace and exits 1
            }
            cmd.getErr().println(ExitPolicy.line(cmd.getCommandName(), ex.getMessage()));
            return code;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(ExitPolicy.line(c.getCommandName(), ex.getMessage()) + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
            return ExitPolicy.USAGE;
        });
        return cl;
    }
}
