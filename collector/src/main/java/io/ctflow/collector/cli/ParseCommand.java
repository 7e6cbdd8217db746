package io.ctflow.collector.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctflow.avro.ConntrackEvent;
import io.ctflow.collector.parse.ConntrackLineParser;
import io.ctflow.collector.parse.LossLine;
import io.ctflow.collector.parse.ParseException;
import io.ctflow.config.UsageException;
import io.ctflow.json.AvroJson;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ctflow parse FILE}: conntrack output ({@code conntrack -E}/{@code -L}, a capture's
 * events file, /proc/net/nf_conntrack) as JSON lines on stdout, one per event (a capture's loss
 * line as the GAP marker a replay publishes for it); lines that do not
 * parse as {@code {"deadLetter":RAW,"line":N,"reason":WHY}} on stderr. Exit 0 either way.
 */
@Command(name = "parse", mixinStandardHelpOptions = true,
        description = {"Parse conntrack output into JSON lines.",
                "Reads conntrack -E / -L output or a capture's events-NODE.txt and prints each event as one JSON object "
                        + "per line on stdout (a capture's loss line '[SECONDS.MICROS] lost events (REASON)' as a GAP event); "
                        + "lines that do not parse go to stderr as "
                        + "{\"deadLetter\":LINE,\"line\":N,\"reason\":WHY}. Exit code 0 either way."})
public final class ParseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "File to parse ('-' for standard input).")
    String file;

    @Option(names = "--node", paramLabel = "NAME", description = "Node name in the events (default: NODE of events-NODE.txt, else 'unknown').")
    String node;

    @Option(names = "--keep-raw", description = "Also put each raw line in the event's raw field.")
    boolean keepRaw;

    @Override
    public Integer call() throws Exception {
        return CliSupport.run("parse", spec.commandLine().getErr(), this::parse);
    }

    private int parse() throws IOException {
        String nodeName = node != null ? node : nodeFromFileName(file);
        ConntrackLineParser parser = new ConntrackLineParser(nodeName, keepRaw);
        PrintWriter out = new PrintWriter(new BufferedWriter(spec.commandLine().getOut(), 1 << 16));
        PrintWriter err = spec.commandLine().getErr();
        long lineNo = 0;
        long sequence = 0;
        Instant last = Instant.EPOCH;
        try (InputStream in = open(file);
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    // as a replay reads it: a line without a timestamp takes its predecessor's, a loss line is a GAP
                    ConntrackEvent e = LossLine.isLossLine(line) ? LossLine.parse(line, nodeName, sequence, keepRaw)
                            : parser.parse(line, last, ++sequence);
                    last = e.getTimestamp();
                    out.println(AvroJson.toJsonLine(e));
                } catch (ParseException e) {
                    out.flush();
                    ObjectNode o = AvroJson.MAPPER.createObjectNode();
                    o.put("deadLetter", line);
                    o.put("line", lineNo);
                    o.put("reason", e.reason());
                    err.println(o.toString());
                    err.flush();
                }
            }
        } finally {
            out.flush();
        }
        return 0;
    }

    private static InputStream open(String file) throws IOException {
        if (file.equals("-")) {
            return System.in;
        }
        Path p = Path.of(file);
        if (Files.isDirectory(p)) {
            throw new UsageException(file + " is a directory (to publish a capture use ctflow replay)");
        }
        try {
            return Files.newInputStream(p);
        } catch (NoSuchFileException e) {
            throw new UsageException("file not found: " + file);
        }
    }

    static String nodeFromFileName(String file) {
        String name = Path.of(file).getFileName() == null ? file : Path.of(file).getFileName().toString();
        for (String prefix : new String[] {"events-", "proc-"}) {
            if (name.startsWith(prefix) && name.endsWith(".txt") && name.length() > prefix.length() + 4) {
                return name.substring(prefix.length(), name.length() - 4);
            }
        }
        return "unknown";
    }
}
