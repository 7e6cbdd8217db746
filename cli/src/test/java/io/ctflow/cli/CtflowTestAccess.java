package io.ctflow.cli;

import picocli.CommandLine;

/** The real {@code ctflow} command line (with its error handlers) for tests in sub-packages. */
public final class CtflowTestAccess {
    private CtflowTestAccess() {}

    public static CommandLine commandLine() {
        return Ctflow.commandLine();
    }
}
