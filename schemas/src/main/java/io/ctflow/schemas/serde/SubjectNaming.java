package io.ctflow.schemas.serde;

import java.util.Locale;
import org.apache.avro.Schema;

/** Confluent's subject name strategies; accepts their class names or short names. */
public enum SubjectNaming {
    TOPIC_NAME, RECORD_NAME, TOPIC_RECORD_NAME;

    public static SubjectNaming parse(Object configured) {
        if (configured == null) {
            return TOPIC_NAME;
        }
        String s = configured instanceof Class<?> c ? c.getSimpleName() : configured.toString();
        s = s.substring(s.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT).replace("_", "");
        return switch (s) {
            case "topicnamestrategy", "topicname", "topic" -> TOPIC_NAME;
            case "recordnamestrategy", "recordname", "record" -> RECORD_NAME;
            case "topicrecordnamestrategy", "topicrecordname", "topicrecord" -> TOPIC_RECORD_NAME;
            default -> throw new IllegalArgumentException("unknown subject name strategy '" + configured + "'");
        };
    }

    public String subject(String topic, boolean isKey, Schema schema) {
        return switch (this) {
            case TOPIC_NAME -> topic + (isKey ? "-key" : "-value");
            case RECORD_NAME -> schema.getFullName();
            case TOPIC_RECORD_NAME -> topic + "-" + schema.getFullName();
        };
    }
}
