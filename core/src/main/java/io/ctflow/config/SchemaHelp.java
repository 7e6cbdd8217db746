package io.ctflow.config;

import java.util.ArrayList;
import java.util.List;
import java.util.ListResourceBundle;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;

/**
 * Option descriptions from the declarations: a command names a subclass as its picocli
 * {@code resourceBundle}, and an option whose {@code descriptionKey} is a key gets the key's doc,
 * default and environment variable, so none of them is written twice.
 */
public abstract class SchemaHelp extends ListResourceBundle {
    protected abstract ConfigSchema schema();

    @Override
    protected Object[][] getContents() {
        List<Object[]> rows = new ArrayList<>();
        for (ConfigKey k : schema().keys()) {
            rows.add(new Object[] {k.name, describe(k)});
        }
        return rows.toArray(Object[][]::new);
    }

    /** "Doc (default X; key K, also CTFLOW_K)", escaped for picocli's format strings. */
    static String describe(ConfigKey k) {
        String d = ConfigSchema.defaultText(k);
        String s = k.documentation + " (" + (d.isEmpty() ? "" : "default " + d + "; ") + "setting " + k.name + ", "
                + ConfigSchema.envName(k.name) + ")";
        return s.replace("%", "%%");
    }
}
