package io.ctflow.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A command's console text for exact comparison: what changes from run to run (ports, replay speed, heartbeats) named. */
public final class ConsoleText {
    private ConsoleText() {}

    public static String normalized(ByteArrayOutputStream b) {
        return b.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n")
                .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:PORT")
                .replaceAll("\\d+ heartbeats \\(\\d+ records\\), \\d+ gaps \\(\\d+ records\\)", "HEARTBEATS")
                .replaceAll("in [0-9.]+ s \\([0-9]+ events/s\\)", "in S s (R events/s)");
    }
}
