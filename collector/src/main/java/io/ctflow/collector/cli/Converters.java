package io.ctflow.collector.cli;

import io.ctflow.collector.replay.Speed;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters with one-line messages. */
final class Converters {
    private Converters() {}

    static final class SpeedConverter implements ITypeConverter<Speed> {
        @Override
        public Speed convert(String value) {
            try {
                return Speed.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
