package io.ctflow.cli;

import picocli.CommandLine;

/** The {@code ctflow} command line, with its error handlers, for tests in other packages. */
public final class CtflowTestAccess {
    private CtflowTestAccess() {}

    public static CommandLine commandLine() {
        return Ctflow.commandLine();
    }
}
