package io.ctflow.collector.parse;

import java.nio.file.Path;

/**
 * A mistake in an input text at a line (1-based; 0: the text as a whole). Parsers of text say
 * {@code line N: what}; readers of a file turn it into {@code FILE:N: what} with {@link #in}, the
 * form editors and compilers use, so a user can jump to it.
 */
public final class InputError extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int line;
    private final String what;

    public InputError(int line, String what) {
        super(line > 0 ? "line " + line + ": " + what : what);
        this.line = line;
        this.what = what;
    }

    public int line() {
        return line;
    }

    public String what() {
        return what;
    }

    /** The same mistake named by its source: {@code FILE:N: what} (or {@code FILE: what}), the path as given. */
    public IllegalArgumentException in(String source) {
        return new IllegalArgumentException(source + ":" + (line > 0 ? line + ": " : " ") + what, this);
    }

    public IllegalArgumentException in(Path file) {
        return in(file.toString());
    }

    private static final java.util.regex.Pattern LINE = java.util.regex.Pattern.compile("(?:[^:]+: )?line (\\d+): (.*)", java.util.regex.Pattern.DOTALL);

    /**
     * A parser's mistake named by the file it came from, {@code FILE:LINE: what}: from the InputError
     * in its causes, else from a message like {@code [what: ]line N: ...}, else {@code FILE: message}.
     */
    public static IllegalArgumentException locate(Path file, IllegalArgumentException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InputError i) {
                return i.in(file);
            }
        }
        String m = String.valueOf(e.getMessage());
        java.util.regex.Matcher l = LINE.matcher(m);
        return new IllegalArgumentException(l.matches() ? file + ":" + l.group(1) + ": " + l.group(2) : file + ": " + m, e);
    }
}
