package io.ctflow.collector.parse;

import io.ctflow.config.UsageException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A mistake in an input text at a line (1-based; 0: the text as a whole), a user mistake (exit 2).
 * Parsers of text say {@code line N: what}; readers of a file turn it into {@code FILE:N: what} with
 * {@link #in}, the form editors and compilers use, so a user can jump to it.
 */
public final class InputError extends UsageException {
    private static final long serialVersionUID = 1L;
    private static final Pattern LINE = Pattern.compile("(?:[^:]+: )?line (\\d+): (.*)", Pattern.DOTALL);

    private final String source;
    private final int line;
    private final String what;

    public InputError(int line, String what) {
        this(null, line, what, null);
    }

    private InputError(String source, int line, String what, Throwable cause) {
        super(message(source, line, what), cause);
        this.source = source;
        this.line = line;
        this.what = what;
    }

    private static String message(String source, int line, String what) {
        if (source == null) {
            return line > 0 ? "line " + line + ": " + what : what;
        }
        return source + ":" + (line > 0 ? line + ": " : " ") + what;
    }

    /** The file (as given) or other source the line is in; null while the parser does not know it. */
    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    public String what() {
        return what;
    }

    /** The same mistake named by its source: {@code FILE:N: what} (or {@code FILE: what}), the path as given. */
    public InputError in(String source) {
        return new InputError(source, line, what, this);
    }

    public InputError in(Path file) {
        return in(file.toString());
    }

    /**
     * A parser's mistake named by the file it came from, {@code FILE:LINE: what}: from the InputError
     * in its causes, else from a message like {@code [what: ]line N: ...}, else {@code FILE: message}.
     */
    public static InputError locate(Path file, IllegalArgumentException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InputError i) {
                return i.in(file);
            }
        }
        String m = String.valueOf(e.getMessage());
        Matcher l = LINE.matcher(m);
        return l.matches() ? new InputError(file.toString(), Integer.parseInt(l.group(1)), l.group(2), e)
                : new InputError(file.toString(), 0, m, e);
    }
}
