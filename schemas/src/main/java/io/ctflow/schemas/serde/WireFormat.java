package io.ctflow.schemas.serde;

/**
 * The Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian int, then the Avro
 * binary encoding of the record (no container-file header, no schema).
 */
public final class WireFormat {
    public static final byte MAGIC = 0;
    /** Magic byte plus schema id. */
    public static final int HEADER = 5;

    private WireFormat() {}

    /** Writes the 5-byte header into {@code out} at 0. */
    static void header(byte[] out, int schemaId) {
        out[0] = MAGIC;
        out[1] = (byte) (schemaId >>> 24);
        out[2] = (byte) (schemaId >>> 16);
        out[3] = (byte) (schemaId >>> 8);
        out[4] = (byte) schemaId;
    }

    /** The schema id of a framed message (the caller checked length and magic byte). */
    static int schemaId(byte[] data) {
        return ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
    }
}
