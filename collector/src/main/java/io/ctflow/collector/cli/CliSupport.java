package io.ctflow.collector.cli;

import io.ctflow.config.ExitPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * How the collector's commands end: a user mistake prints {@code ctflow CMD: message} and exits 2,
 * an environment problem (conntrack missing, not permitted, Kafka or the registry unreachable)
 * prints the same kind of line and exits 1; only real bugs show a stack trace. The commands do this
 * themselves, so they behave the same under {@code ctflow-collector} and under {@code ctflow}.
 */
public final class CliSupport {
    private CliSupport() {}

    /** Runs a command body and maps the problems it throws to one line and an exit code. */
    public static int run(String command, PrintWriter err, Callable<Integer> body) throws Exception {
        try {
            return body.call();
        } catch (Throwable t) {
            int code = exitCode(t);
            if (code < 0) {
                throw t;
            }
            err.println(ExitPolicy.line(command, message(t)));
            err.flush();
            return code;
        }
    }

    /** 2 for user mistakes, 1 for environment problems, -1 for anything else (a bug): {@link ExitPolicy}. */
    public static int exitCode(Throwable t) {
        return ExitPolicy.exitCode(t);
    }

    static String message(Throwable t) {
        if (t instanceof UncheckedIOException u && u.getCause() != null) {
            return u.getMessage() + ": " + describe(u.getCause());
        }
        if (t instanceof IOException io) {
            return describe(io);
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + e.getMessage();
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** --node, else $NODE_NAME, else the host name. */
    public static String nodeName(String flag) {
        if (flag != null && !flag.isBlank()) {
            return flag.strip();
        }
        String env = System.getenv("NODE_NAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException e) {
            // fall back to the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
