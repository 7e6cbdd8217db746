package io.ctflow.cli.score;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ctflow.config.UsageException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the truth file (one JSON object) and the results file (JSON lines). A problem is an
 * {@link UsageException} of one line naming the file and, for bad JSON, the line.
 */
public final class ScoreFiles {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ScoreFiles() {}

    public static Truth truth(Path file) {
        try (BufferedReader in = open(file)) {
            Truth t = MAPPER.readValue(in, Truth.class);
            if (t == null) {
                throw new UsageException(file + ": empty: expected the truth JSON object");
            }
            return t;
        } catch (JsonProcessingException e) {
            throw badJson(file, e.getLocation() == null ? 1 : e.getLocation().getLineNr(), e);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /** Anomalies as emitted and new connections summed per Service; other kinds of lines are skipped. */
    public static Results results(Path file) {
        List<Results.Raise> anomalies = new ArrayList<>();
        Map<String, Long> newFlows = new HashMap<>();
        long lineNo = 0;
        try (BufferedReader in = open(file)) {
            String line;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode o;
                try {
                    o = MAPPER.readTree(line);
                } catch (JsonProcessingException e) {
                    throw badJson(file, lineNo, e);
                }
                if (!o.isObject()) {
                    throw new UsageException(file + ":" + lineNo + ": bad JSON: expected an object");
                }
                switch (o.path("kind").asText()) {
                    case "anomaly" -> anomalies.add(new Results.Raise(text(o, "type"), text(o, "status"), text(o, "node"),
                            text(o, "protocol"), text(o, "client"), text(o, "serviceAddress"), text(o, "backend"), text(o, "cause")));
                    case "service-stats" -> {
                        JsonNode n = o.path("newFlows");
                        if (!o.path("service").isTextual() || !n.canConvertToLong()) {
                            throw new UsageException(file + ":" + lineNo + ": a service-stats line needs \"service\" and a number \"newFlows\"");
                        }
                        newFlows.merge(o.get("service").asText(), n.asLong(), Long::sum);
                    }
                    default -> { }
                }
            }
        } catch (IOException e) {
            throw unreadable(file, e);
        }
        return new Results(anomalies, newFlows);
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static BufferedReader open(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new UsageException(file + ": is a directory, not a file");
        }
        try {
            return Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UsageException(file + ": file not found");
        }
    }

    private static UsageException badJson(Path file, long line, JsonProcessingException e) {
        String why = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage().lines().findFirst().orElse("").strip();
        return new UsageException(file + ":" + line + ": bad JSON: " + why);
    }

    private static UsageException unreadable(Path file, IOException e) {
        return new UsageException(file + ": cannot read: " + e.getMessage());
    }
}
