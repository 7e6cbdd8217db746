package io.ctflow.collector.cli;

import io.ctflow.collector.CollectorKeys;
import io.ctflow.config.ConfigSchema;
import io.ctflow.config.SchemaHelp;

/** The collector commands' option descriptions, from {@link CollectorKeys#SCHEMA} (their picocli resource bundle). */
public final class CollectorHelp extends SchemaHelp {
    @Override
    protected ConfigSchema schema() {
        return CollectorKeys.SCHEMA;
    }
}
