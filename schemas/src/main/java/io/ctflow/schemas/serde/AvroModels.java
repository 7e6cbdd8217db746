package io.ctflow.schemas.serde;

import java.io.IOException;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.Encoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;

/** Avro data models with logical-type conversions, and the by-name writer of {@code use.latest.version}. */
final class AvroModels {
    private AvroModels() {}

    /** Generic records with java.time/UUID/BigDecimal for logical types, like the generated classes have. */
    static final GenericData GENERIC = withConversions(new GenericData());
    /** A SpecificData that handles GenericRecords too (for the by-name writer), with the same conversions. */
    static final SpecificData GENERIC_AS_SPECIFIC = withConversions(new SpecificData());

    private static <D extends GenericData> D withConversions(D d) {
        d.addLogicalTypeConversion(new TimeConversions.DateConversion());
        d.addLogicalTypeConversion(new TimeConversions.TimeMillisConversion());
        d.addLogicalTypeConversion(new TimeConversions.TimeMicrosConversion());
        d.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
        d.addLogicalTypeConversion(new TimeConversions.TimestampMicrosConversion());
        d.addLogicalTypeConversion(new TimeConversions.TimestampNanosConversion());
        d.addLogicalTypeConversion(new TimeConversions.LocalTimestampMillisConversion());
        d.addLogicalTypeConversion(new TimeConversions.LocalTimestampMicrosConversion());
        d.addLogicalTypeConversion(new TimeConversions.LocalTimestampNanosConversion());
        d.addLogicalTypeConversion(new Conversions.UUIDConversion());
        d.addLogicalTypeConversion(new Conversions.DecimalConversion());
        return d;
    }

    /**
     * Writes a record in another (the subject's latest) schema by field <em>name</em>: Avro's own
     * writers fetch fields by position and write specific enums by ordinal, which would silently
     * garble data whenever the two schemas order fields or symbols differently. Fields the record
     * lacks get the target schema's default (none: the write fails).
     */
    static final class ByNameWriter<T> extends SpecificDatumWriter<T> {
        ByNameWriter(Schema target, SpecificData model) {
            super(target, model);
        }

        @Override
        protected void writeField(Object datum, Schema.Field f, Encoder out, Object state) throws IOException {
            IndexedRecord r = (IndexedRecord) datum;
            Schema.Field src = r.getSchema().getField(f.name());
            if (src == null) {
                for (String alias : f.aliases()) {
                    src = r.getSchema().getField(alias);
                    if (src != null) {
                        break;
                    }
                }
            }
            Object value = src != null ? r.get(src.pos()) : getData().getDefaultValue(f);
            try {
                write(f.schema(), value, out);
            } catch (NullPointerException e) {
                throw new NullPointerException("null value for non-null field " + f.name());
            }
        }

        @Override
        protected void writeEnum(Schema schema, Object datum, Encoder out) throws IOException {
            out.writeEnum(schema.getEnumOrdinal(datum.toString()));
        }
    }
}
