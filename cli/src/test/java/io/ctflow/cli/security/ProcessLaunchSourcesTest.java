package io.ctflow.cli.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The sources of every module start processes only through {@code io.ctflow.process.Launcher}, from
 * argument lists, never through a shell: no {@code Runtime.exec}, no {@code ProcessBuilder.start()}
 * outside the seam, no {@code sh -c} / {@code bash -c}; the only {@code -c} is python's, given one
 * of the lab's constant programs (its inputs are separate arguments, never spliced into the text).
 */
class ProcessLaunchSourcesTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String SEAM = "core/src/main/java/io/ctflow/process/Launcher.java";
    static final Pattern RUNTIME_EXEC = Pattern.compile("\\.exec\\s*\\(");
    static final Pattern BUILDER_START = Pattern.compile("(\\bpb|ProcessBuilder\\([^;]*\\))\\.start\\(\\)");
    static final Pattern SHELL = Pattern.compile("\"(/usr)?(/bin/)?(ba|da|z)?sh\"");
    static final Pattern DASH_C = Pattern.compile("\"-c\"");

    @Test
    void processesStartOnlyThroughTheLauncherFromArgumentListsWithoutAShell() throws IOException {
        List<Path> sources = mainSources();
        assertTrue(sources.size() > 100, "found the modules' sources under " + ROOT + ": " + sources.size());
        assertTrue(sources.contains(ROOT.resolve(SEAM)), "the seam is " + SEAM);
        List<String> problems = new ArrayList<>();
        for (Path f : sources) {
            String rel = ROOT.relativize(f).toString();
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            if (lines.stream().anyMatch(l -> l.contains("new ProcessBuilder(")) && lines.stream().noneMatch(l -> l.contains("Launcher"))
                    && !rel.equals(SEAM)) {
                problems.add("builds a ProcessBuilder but does not use the Launcher: " + rel);
            }
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                String at = rel + ":" + (i + 1) + ": " + l.strip();
                if (l.strip().startsWith("*") || l.strip().startsWith("//")) {
                    continue;
                }
                if (RUNTIME_EXEC.matcher(l).find() && l.contains("Runtime")) {
                    problems.add("Runtime.exec: " + at);
                }
                if (BUILDER_START.matcher(l).find() && !rel.equals(SEAM)) {
                    problems.add("ProcessBuilder.start() outside the Launcher: " + at);
                }
                if (SHELL.matcher(l).find()) {
                    problems.add("a shell: " + at);
                }
                if (DASH_C.matcher(l).find() && !l.contains("python")) {
                    problems.add("-c for something else than python: " + at);
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    static List<Path> mainSources() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path m : modules.filter(p -> Files.isDirectory(p.resolve("src/main/java"))).toList()) {
                try (Stream<Path> files = Files.walk(m.resolve("src/main/java"))) {
                    files.filter(p -> p.toString().endsWith(".java")).forEach(out::add);
                }
            }
        }
        return out;
    }
}
