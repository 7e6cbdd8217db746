package io.ctflow.schemas.serde;

import java.util.Locale;
import org.apache.kafka.common.config.ConfigException;

/**
 * Confluent's three subject name strategies. Configuration accepts Confluent's class names
 * ({@code io.confluent.kafka.serializers.subject.TopicNameStrategy}, {@code ...RecordNameStrategy},
 * {@code ...TopicRecordNameStrategy}), their simple names, short names ({@code topic}, {@code record},
 * {@code topic_record}), a {@link SubjectNameStrategy} instance or class.
 */
public final class SubjectNameStrategies {
    /** {@code <topic>-key} / {@code <topic>-value}: one evolving schema per topic (the default). */
    public static final SubjectNameStrategy TOPIC_NAME = new Named("TopicNameStrategy") {
        @Override
        public String subjectName(String topic, boolean isKey, org.apache.avro.Schema schema) {
            return topic + (isKey ? "-key" : "-value");
        }
    };
    /** The record's full name, for key and value alike: one schema per type across topics. */
    public static final SubjectNameStrategy RECORD_NAME = new Named("RecordNameStrategy") {
        @Override
        public String subjectName(String topic, boolean isKey, org.apache.avro.Schema schema) {
            return schema.getFullName();
        }
    };
    /** {@code <topic>-<record full name>}: several types per topic, each evolving on its own. */
    public static final SubjectNameStrategy TOPIC_RECORD_NAME = new Named("TopicRecordNameStrategy") {
        @Override
        public String subjectName(String topic, boolean isKey, org.apache.avro.Schema schema) {
            return topic + "-" + schema.getFullName();
        }
    };

    private SubjectNameStrategies() {}

    private abstract static class Named implements SubjectNameStrategy {
        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The strategy a configuration value names; null gives {@link #TOPIC_NAME}. */
    public static SubjectNameStrategy from(String key, Object configured) {
        if (configured == null) {
            return TOPIC_NAME;
        }
        if (configured instanceof SubjectNameStrategy s) {
            return s;
        }
        String name = configured instanceof Class<?> c ? c.getName() : configured.toString().trim();
        if (name.isEmpty()) {
            return TOPIC_NAME;
        }
        boolean ours = name.indexOf('.') < 0 || name.startsWith("io.confluent.kafka.serializers.subject.");
        String simple = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
        if (ours) {
            switch (simple) {
                case "topicnamestrategy", "topicname", "topic" -> {
                    return TOPIC_NAME;
                }
                case "recordnamestrategy", "recordname", "record" -> {
                    return RECORD_NAME;
                }
                case "topicrecordnamestrategy", "topicrecordname", "topicrecord" -> {
                    return TOPIC_RECORD_NAME;
                }
                default -> {
                    // fall through to the error
                }
            }
        } else {
            try {
                Class<?> c = configured instanceof Class<?> k ? k
                        : Class.forName(name, true, Thread.currentThread().getContextClassLoader() != null
                                ? Thread.currentThread().getContextClassLoader() : SubjectNameStrategies.class.getClassLoader());
                if (SubjectNameStrategy.class.isAssignableFrom(c)) {
                    return (SubjectNameStrategy) c.getDeclaredConstructor().newInstance();
                }
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new ConfigException(key, name, "cannot load subject name strategy: " + e);
            }
        }
        throw new ConfigException(key, name, "unknown subject name strategy; use TopicNameStrategy, RecordNameStrategy, "
                + "TopicRecordNameStrategy (Confluent's class names work too) or a class implementing " + SubjectNameStrategy.class.getName());
    }
}
