package io.ctflow.cli.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Chromium in headless mode, one process per page: the DOM after the page's scripts ran
 * ({@code --dump-dom} with a virtual time budget, so timers and fetches settle) or a screenshot.
 * Each run has its own profile directory, so parallel runs do not share one.
 */
final class HeadlessChromium {
    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");
    private final Path binary;
    private final Path work;

    private HeadlessChromium(Path binary, Path work) {
        this.binary = binary;
        this.work = work;
    }

    /** The first of chromium, chromium-browser, google-chrome on the PATH (Debian's package: /usr/bin/chromium). */
    static Optional<HeadlessChromium> find(Path work) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
            for (String name : NAMES) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(new HeadlessChromium(p, work));
                }
            }
        }
        return Optional.empty();
    }

    /** The page's DOM as HTML once its scripts had {@code budgetMillis} of virtual time. */
    String dumpDom(String url, int budgetMillis) throws IOException, InterruptedException {
        Path out = Files.createTempFile(work, "dom-", ".html");
        run(out, List.of("--virtual-time-budget=" + budgetMillis, "--dump-dom", url));
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** A PNG of the page at width x height once its scripts had {@code budgetMillis} of virtual time. */
    void screenshot(String url, Path png, int width, int height, int budgetMillis) throws IOException, InterruptedException {
        Files.deleteIfExists(png);
        run(null, List.of("--virtual-time-budget=" + budgetMillis, "--hide-scrollbars", "--window-size=" + width + "," + height,
                "--screenshot=" + png.toAbsolutePath(), url));
        if (!Files.isRegularFile(png)) {
            throw new IOException("chromium wrote no screenshot " + png + "; see " + work.resolve("chromium.log"));
        }
    }

    private void run(Path stdout, List<String> args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "profile-");
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--disable-dev-shm-usage", "--user-data-dir=" + profile));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(work.resolve("chromium.log").toFile()));
        pb.redirectOutput(stdout == null ? ProcessBuilder.Redirect.appendTo(work.resolve("chromium.log").toFile())
                : ProcessBuilder.Redirect.to(stdout.toFile()));
        Process p = pb.start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                throw new IOException("chromium did not finish in 90 s: " + String.join(" ", cmd));
            }
            if (p.exitValue() != 0) {
                throw new IOException("chromium exited " + p.exitValue() + "; see " + work.resolve("chromium.log"));
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
