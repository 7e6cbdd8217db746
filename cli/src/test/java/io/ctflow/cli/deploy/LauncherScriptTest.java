package io.ctflow.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ctflow.testing.Captures;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./ctflow} launcher, run for real by bash in a scratch copy of the repository layout,
 * with stand-in {@code mvn} and {@code java} programs that record what they were asked to do.
 */
class LauncherScriptTest {
    static final Path REPO = Captures.root().getParent().getParent();
    static final Path SCRIPT = REPO.resolve("ctflow");
    static final String JAR = "cli/target/ctflow-cli-0.1.0-SNAPSHOT.jar";

    @TempDir
    Path tmp;
    Path root;
    Path bin;
    Path mvnLog;

    @Test
    void isAnExecutableStrictBashScript() throws Exception {
        assertTrue(Files.isExecutable(SCRIPT), "./ctflow is executable (chmod +x)");
        List<String> lines = Files.readAllLines(SCRIPT);
        assertEquals("#!/usr/bin/env bash", lines.get(0));
        assertTrue(lines.contains("set -euo pipefail"), "set -euo pipefail");
        assumeTrue(bash() != null, "bash not installed");
        Run r = run(List.of(bash(), "-n", SCRIPT.toString()), Map.of(), REPO);
        assertEquals(0, r.exit, "bash -n: " + r.stderr);
    }

    @BeforeEach
    void scratchRepo() throws IOException {
        assumeTrue(bash() != null && !System.getProperty("os.name").toLowerCase().contains("win"), "needs bash on a POSIX system");
        root = Files.createDirectories(tmp.resolve("repo"));
        Files.copy(SCRIPT, root.resolve("ctflow"));
        Files.setPosixFilePermissions(root.resolve("ctflow"), PosixFilePermissions.fromString("rwxr-xr-x"));
        write(root.resolve("pom.xml"), "<project/>");
        for (String m : List.of("schemas", "cli")) {
            write(root.resolve(m).resolve("pom.xml"), "<project/>");
            write(root.resolve(m).resolve("src/main/java/X.java"), "class X {}");
        }
        bin = Files.createDirectories(tmp.resolve("bin"));
        mvnLog = tmp.resolve("mvn.log");
        // mvn: records its arguments and directory; builds the jar, or fails with 40 lines.
        executable(bin.resolve("mvn"), """
                #!/bin/sh
                echo "args=$*" >> "$FAKE_MVN_LOG"
                echo "cwd=$PWD" >> "$FAKE_MVN_LOG"
                if [ -n "${FAKE_MVN_FAIL:-}" ]; then
                    i=1; while [ $i -le 40 ]; do echo "mvn output line $i"; i=$((i+1)); done
                    exit 3
                fi
                echo "chatty build output"
                mkdir -p cli/target && echo jar > cli/target/ctflow-cli-0.1.0-SNAPSHOT.jar
                """);
        // java: prints each argument in <> and its working directory.
        executable(bin.resolve("java"), """
                #!/bin/sh
                for a in "$@"; do printf '<%s>\\n' "$a"; done
                echo "cwd=$PWD"
                """);
        // Sources older than anything the tests do.
        setAllMtimes(Instant.now().minusSeconds(3600));
    }

    @Test
    void buildsWhenTheJarIsMissingThenRunsJavaWithTheArguments() throws Exception {
        Run r = ctflow(List.of("demo", "two words"), Map.of());
        assertEquals(0, r.exit, r.stderr);
        assertTrue(r.stderr.contains("ctflow: building (mvn -q -DskipTests install)..."), r.stderr);
        assertEquals(List.of("args=-B -q -DskipTests install", "cwd=" + root.toRealPath()), Files.readAllLines(mvnLog));
        assertFalse(r.stdout.contains("chatty") || r.stderr.contains("chatty"), "a good build stays quiet");
        assertEquals(List.of("<-jar>", "<" + root.toRealPath().resolve(JAR) + ">", "<demo>", "<two words>"), javaArgs(r));
    }

    @Test
    void doesNotBuildWhenTheJarIsNewerThanEverySourceAndPom() throws Exception {
        buildJarAt(Instant.now().minusSeconds(60));
        Run r = ctflow(List.of("--help"), Map.of());
        assertEquals(0, r.exit, r.stderr);
        assertFalse(Files.exists(mvnLog), "no build");
        assertEquals("", r.stderr);
        assertTrue(javaArgs(r).contains("<--help>"));
    }

    @Test
    void rebuildsWhenASourceOrAPomIsNewer() throws Exception {
        for (String changed : List.of("schemas/src/main/java/X.java", "cli/pom.xml", "pom.xml")) {
            buildJarAt(Instant.now().minusSeconds(600));
            Files.setLastModifiedTime(root.resolve(changed), FileTime.from(Instant.now().minusSeconds(60)));
            Files.deleteIfExists(mvnLog);
            Run r = ctflow(List.of("parse"), Map.of());
            assertEquals(0, r.exit, r.stderr);
            assertTrue(Files.exists(mvnLog), "built after " + changed + " changed");
            // ...and the jar is fresh afterwards, so the next run does not build again.
            Files.delete(mvnLog);
            assertEquals(0, ctflow(List.of("parse"), Map.of()).exit);
            assertFalse(Files.exists(mvnLog), "no second build after " + changed);
            setAllMtimes(Instant.now().minusSeconds(3600));
        }
    }

    @Test
    void aFailedBuildShowsItsLast30LinesAndExitsNonZero() throws Exception {
        Run r = ctflow(List.of("demo"), Map.of("FAKE_MVN_FAIL", "1"));
        assertEquals(3, r.exit, "mvn's exit code");
        assertTrue(r.stderr.contains("mvn output line 40") && r.stderr.contains("mvn output line 11"), r.stderr);
        assertFalse(r.stderr.contains("mvn output line 10\n"), "only the last 30 lines: " + r.stderr);
        assertFalse(r.stdout.contains("<-jar>"), "java not run");
    }

    @Test
    void passesCtflowJavaOptsBeforeTheJar() throws Exception {
        buildJarAt(Instant.now());
        Run r = ctflow(List.of("up"), Map.of("CTFLOW_JAVA_OPTS", "-Xmx1g  -Dctflow.x=y"));
        assertEquals(List.of("<-Xmx1g>", "<-Dctflow.x=y>", "<-jar>", "<" + root.toRealPath().resolve(JAR) + ">", "<up>"), javaArgs(r));
    }

    @Test
    void benchGetsAFixedPreTouchedHeapThatCtflowJavaOptsCanOverride() throws Exception {
        buildJarAt(Instant.now());
        String jar = "<" + root.toRealPath().resolve(JAR) + ">";
        List<String> heap = List.of("<-XX:InitialRAMPercentage=25>", "<-XX:MaxRAMPercentage=25>", "<-XX:MaxHeapFreeRatio=100>", "<-XX:+AlwaysPreTouch>");
        List<String> plain = new ArrayList<>(heap);
        plain.addAll(List.of("<-jar>", jar, "<bench>", "<--only>", "<collector>"));
        assertEquals(plain, javaArgs(ctflow(List.of("bench", "--only", "collector"), Map.of())));
        List<String> withOpts = new ArrayList<>(heap);
        withOpts.addAll(List.of("<-Xms1g>", "<-Xmx1g>", "<-jar>", jar, "<bench>")); // later options win in java
        assertEquals(withOpts, javaArgs(ctflow(List.of("bench"), Map.of("CTFLOW_JAVA_OPTS", "-Xms1g -Xmx1g"))));
        assertEquals(List.of("<-jar>", jar, "<streams>", "<bench>"), javaArgs(ctflow(List.of("streams", "bench"), Map.of())),
                "only the bench command: a service sizes its own heap");
    }

    @Test
    void worksThroughASymlinkAndKeepsTheCallersDirectory() throws Exception {
        buildJarAt(Instant.now());
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(elsewhere.resolve("ctflow"), root.resolve("ctflow"));
        Run r = run(List.of(link.toString(), "replay"), env(Map.of()), elsewhere);
        assertEquals(0, r.exit, r.stderr);
        assertTrue(javaArgs(r).contains("<" + root.toRealPath().resolve(JAR) + ">"), r.stdout);
        assertTrue(r.stdout.contains("cwd=" + elsewhere.toRealPath()), "java runs in the caller's directory: " + r.stdout);
    }

    @Test
    void saysClearlyWhenJavaIsMissing() throws Exception {
        buildJarAt(Instant.now());
        // A PATH with the script's tools but no java (wrappers, not links: JUnit warns about links
        // out of its temp dir).
        Path tools = Files.createDirectories(tmp.resolve("tools"));
        for (String t : List.of("bash", "dirname", "find", "mktemp", "tail", "rm", "touch", "readlink", "cat")) {
            Path real = which(t);
            if (real != null) {
                executable(tools.resolve(t), "#!/bin/sh\nexec " + real + " \"$@\"\n");
            }
        }
        Map<String, String> env = env(Map.of());
        env.put("PATH", tools.toString());
        Run r = run(List.of(root.resolve("ctflow").toString()), env, root);
        assertEquals(1, r.exit);
        assertTrue(r.stderr.contains("ctflow: java not found"), r.stderr);
    }

    // ---------------------------------------------------------------- helpers

    Run ctflow(List<String> args, Map<String, String> extraEnv) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(root.resolve("ctflow").toString());
        cmd.addAll(args);
        return run(cmd, env(extraEnv), root);
    }

    Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.remove("JAVA_HOME"); // else the launcher would pick the real java
        env.remove("CTFLOW_JAVA_OPTS");
        env.put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
        env.put("FAKE_MVN_LOG", mvnLog.toString());
        env.putAll(extra);
        return env;
    }

    void buildJarAt(Instant when) throws IOException {
        Path jar = root.resolve(JAR);
        write(jar, "jar");
        Files.setLastModifiedTime(jar, FileTime.from(when));
    }

    void setAllMtimes(Instant when) throws IOException {
        try (var files = Files.walk(root)) {
            for (Path p : files.filter(Files::isRegularFile).filter(p -> !p.toString().contains("/target/")).toList()) {
                Files.setLastModifiedTime(p, FileTime.from(when));
            }
        }
    }

    static List<String> javaArgs(Run r) {
        return r.stdout.lines().filter(l -> l.startsWith("<")).toList();
    }

    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    static void executable(Path file, String text) throws IOException {
        write(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    static String bash() {
        Path p = which("bash");
        return p == null ? null : p.toString();
    }

    static Path which(String program) {
        for (String dir : List.of("/usr/local/bin", "/usr/bin", "/bin")) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    record Run(int exit, String stdout, String stderr) {}

    static Run run(List<String> cmd, Map<String, String> env, Path dir) throws Exception {
        Path out = Files.createTempFile("ctflow-launcher", ".out");
        Path err = Files.createTempFile("ctflow-launcher", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(cmd + " did not finish in 60 s");
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
