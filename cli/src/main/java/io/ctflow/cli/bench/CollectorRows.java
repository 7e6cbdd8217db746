package io.ctflow.cli.bench;

import io.ctflow.avro.ConntrackEvent;
import io.ctflow.streams.AppConfig;
import io.ctflow.streams.AppSerdes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The bench's collector-side figures, each next to its baseline from the same run: the whole
 * collector path (parse + key + Avro + produce, acknowledged) against Kafka's ProducerPerformance,
 * and the events serializer and deserializer against plain Avro on the same records.
 */
final class CollectorRows {
    /** Events each side sends once, uncounted, before the collector rounds. */
    static final int WARM_UP_EVENTS = 500_000;

    private final BenchCluster cluster;
    private final Report report;
    private final Progress progress;
    private final int rounds;

    CollectorRows(BenchCluster cluster, Report report, Progress progress, int rounds) {
        this.cluster = cluster;
        this.report = report;
        this.progress = progress;
        this.rounds = rounds;
    }

    private double producerPerformance(int round, int records, int size) throws Exception {
        progress.say("collector round %d: ProducerPerformance", round);
        double rate = CollectorBench.producerPerformance(cluster, "bench-producer-perf", records, size);
        progress.say("collector round %d: ProducerPerformance %,.0f records/s", round, rate);
        return rate;
    }

    /** The collector-side rows: the whole collector path vs ProducerPerformance, and the serde vs plain Avro. */
    void run(int collectorEvents, boolean collectorRow, boolean serdeRows) throws Exception {
        AppConfig config = cluster.config("bench-collector.", 6);
        cluster.createTopics(config, 6, "bench-producer-perf");
        progress.say("collector: rendering %,d kernel lines", collectorEvents);
        List<String> lines = CollectorBench.lines(collectorEvents);
        List<ConntrackEvent> sample = CollectorBench.parse(lines.subList(0, Math.min(lines.size(), 500_000)));
        AppSerdes serdes = AppSerdes.create(config.kafka());
        Serializer<ConntrackEvent> wire = serdes.events().serializer();
        String topic = config.topics().events();
        int size = CollectorBench.averageValueSize(sample, wire, topic);
        if (collectorRow) {
            List<Double> ours = new ArrayList<>();
            List<Double> perf = new ArrayList<>();
            // Without a warm-up the first round ran cold (the collector's at 0.44-0.83 of its second round's
            // rate, ProducerPerformance's at 0.70-0.79). With it, the collector's first counted round is still
            // slower than its second, for reasons not pinned down (BENCHMARKS.md, twenty-third round).
            int warm = Math.min(lines.size(), WARM_UP_EVENTS);
            progress.say("collector: warm-up, both sides, %,d events each (not counted)", warm);
            // an ArrayList like the counted rounds' (a SubList's iterator would be what C2 compiled the loop for)
            CollectorBench.collectorPath(cluster, config, new ArrayList<>(lines.subList(0, warm)));
            CollectorBench.producerPerformance(cluster, "bench-producer-perf", warm, size);
            for (int r = 1; r <= rounds; r++) {
                boolean oursFirst = r % 2 == 1; // alternating which side runs first
                if (!oursFirst) {
                    perf.add(producerPerformance(r, lines.size(), size));
                }
                progress.say("collector round %d: parse + key + Avro + produce", r);
                ours.add(CollectorBench.collectorPath(cluster, config, lines));
                progress.say("collector round %d: %,.0f events/s", r, ours.get(ours.size() - 1));
                if (oursFirst) {
                    perf.add(producerPerformance(r, lines.size(), size));
                }
            }
            report.add(new Figure("collector: parse + key + wire Avro + produce, acknowledged: events/s (best)", Stats.best(ours), Stats.best(perf), "/s",
                    "ratio >= 0.7", String.format(Locale.ROOT, "%,d events of %d B (+14 B key), 6 partitions; medians %,.0f vs %,.0f; "
                                    + "baseline: kafka ProducerPerformance, as many %d B records (random letters, keys of <= 6 digits); both %s; %d rounds "
                                    + "after a warm-up of %,d events each, alternating which side runs first",
                            lines.size(), size, Stats.median(ours), Stats.median(perf), size, CollectorBench.perfSettings(), rounds, warm)));
        }
        if (serdeRows) {
            int pairs = PairedRounds.pairs(rounds);
            progress.say("serde: serializer vs plain Avro, %d pairs of rounds of %,d events", pairs, sample.size());
            PairedRounds.Result w = PairedRounds.run(pairs, () -> CollectorBench.wireSerde(sample, wire, topic), () -> CollectorBench.plainAvro(sample));
            report.add(new Figure("serde: Confluent-wire Avro serializer: events/s (best)", Stats.best(w.ours()), Stats.best(w.baseline()), "/s",
                    "ratio >= 0.9", String.format(Locale.ROOT, "%,d parsed events, %d B each on average; medians %,.0f vs %,.0f; "
                            + "baseline: SpecificDatumWriter + BinaryEncoder, no wire header; %s",
                            sample.size(), size, Stats.median(w.ours()), Stats.median(w.baseline()), roundsNote(pairs))));
            serdeReading(serdes, sample, wire, topic, size);
        }
    }

    /** The app's events deserializer against SpecificDatumReader on the same bytes, alternating rounds. */
    private void serdeReading(AppSerdes serdes, List<ConntrackEvent> sample, Serializer<ConntrackEvent> wire, String topic, int size)
            throws Exception {
        List<byte[]> records = EventReadBench.records(sample, wire, topic);
        Deserializer<ConntrackEvent> reader = serdes.events().deserializer();
        int pairs = PairedRounds.pairs(rounds);
        progress.say("serde: deserializer vs plain Avro, %d pairs of rounds", pairs);
        PairedRounds.Result r = PairedRounds.run(pairs, () -> EventReadBench.wireDeserializer(records, reader, topic), () -> EventReadBench.plainAvro(records));
        List<Double> ours = r.ours();
        List<Double> plain = r.baseline();
        report.add(new Figure(SERDE_READ_FIGURE, Stats.best(ours), Stats.best(plain), "/s",
                "ratio >= 0.9", String.format(Locale.ROOT, "%,d parsed events, %d B each on average; medians %,.0f vs %,.0f; "
                        + "baseline: SpecificDatumReader + reused BinaryDecoder on the same bytes after the wire header; %s",
                        sample.size(), size, Stats.median(ours), Stats.median(plain), roundsNote(pairs))));
    }

    private static String roundsNote(int pairs) {
        return pairs + " rounds of each after a warm-up, in pairs after a full GC, alternating which side runs first";
    }

    static final String SERDE_READ_FIGURE = "serde: the streams app's events deserializer: events/s (best)";
}
