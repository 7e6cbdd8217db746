package io.ctflow.streams;

import picocli.CommandLine;

/** Entry point of the streams-app jar: {@code java -jar ctflow-streams-app.jar [options]}. */
public final class StreamsMain {
    private StreamsMain() {}

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new StreamsCommand());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (StreamsCommand.isUserError(ex)) {
                cmd.getErr().println("ctflow streams: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        System.exit(cl.execute(args));
    }
}
