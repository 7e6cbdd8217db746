package io.ctflow.collector.testing;

import io.ctflow.process.Launcher;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Starts real processes and keeps each argument list and process (the test can kill one). */
public final class RecordingLauncher implements Launcher {
    public record Started(List<String> command, Process process) {}

    private final List<Started> started = new CopyOnWriteArrayList<>();

    @Override
    public Process start(ProcessBuilder pb) throws IOException {
        Process p = Launcher.SYSTEM.start(pb);
        started.add(new Started(List.copyOf(pb.command()), p));
        return p;
    }

    public List<Started> started() {
        return List.copyOf(started);
    }

    public List<List<String>> commands() {
        return started.stream().map(Started::command).toList();
    }

    /** The arguments of the started commands whose program is {@code program} (a path ending in it). */
    public List<List<String>> argsOf(String program) {
        return started.stream().map(Started::command)
                .filter(c -> c.get(0).equals(program) || c.get(0).endsWith("/" + program))
                .map(c -> c.subList(1, c.size())).toList();
    }

    /** The last started command whose arguments contain {@code arg}. */
    public Process last(String arg) {
        for (int i = started.size() - 1; i >= 0; i--) {
            if (started.get(i).command().contains(arg)) {
                return started.get(i).process();
            }
        }
        return null;
    }
}
