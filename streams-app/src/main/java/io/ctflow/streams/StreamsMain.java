package io.ctflow.streams;

import io.ctflow.config.ExitPolicy;
import picocli.CommandLine;

/** Entry point of the streams-app jar: {@code java -jar ctflow-streams-app.jar [options]}; exit codes per {@link ExitPolicy}. */
public final class StreamsMain {
    private StreamsMain() {}

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (tests call this). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new StreamsCommand());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            int code = ExitPolicy.exitCode(ex);
            if (code == ExitPolicy.BUG) {
                throw ex; // picocli prints the stack trace and exits 1
            }
            cmd.getErr().println(ExitPolicy.line("streams", ex.getMessage()));
            return code;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println(ExitPolicy.line("streams", ex.getMessage()) + " (see 'ctflow streams --help')");
            return ExitPolicy.USAGE;
        });
        return cl;
    }
}
