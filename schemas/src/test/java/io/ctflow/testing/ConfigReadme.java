package io.ctflow.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** README's settings tables are the declarations': the part between {@code <!-- config:NAME -->} and {@code <!-- /config:NAME -->}. */
public final class ConfigReadme {
    private ConfigReadme() {}

    /** The repository's README.md, from a module's directory (where Maven runs the tests). */
    public static final Path README = Path.of("..", "README.md");

    /** @param table the declarations' table ({@code ConfigSchema.table()}, what --help-config prints) */
    public static void assertSection(String name, String table) throws IOException {
        String text = Files.readString(README);
        String open = "<!-- config:" + name + " -->\n";
        int a = text.indexOf(open);
        int b = text.indexOf("<!-- /config:" + name + " -->");
        assertTrue(a >= 0 && b > a, "README.md has no " + open.strip() + " ... <!-- /config:" + name + " --> section");
        assertEquals(table, text.substring(a + open.length(), b),
                "README.md's " + name + " settings differ from the declarations: paste the output of --help-config");
    }
}
