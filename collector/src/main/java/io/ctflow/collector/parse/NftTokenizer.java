package io.ctflow.collector.parse;

import java.util.ArrayList;
import java.util.List;

/** Splits nft's listing into the tokens {@link NftTextReader} walks. */
final class NftTokenizer {
    /** The token a line break becomes: rules are one per line. */
    static final String NL = "\n";

    /** A word, a quoted string (its text without the quotes) or one of { } , ; = and a line break. */
    record Token(String text, boolean quoted, int line) {
        boolean is(String s) {
            return !quoted && text.equals(s);
        }
    }

    private NftTokenizer() {}

    /** Words, quoted strings, the punctuation { } , ; = and newlines; '#' to the end of a line is a comment. */
    static List<Token> tokenize(String text) {
        List<Token> out = new ArrayList<>();
        int line = 1;
        int len = text.length();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; ) {
            char c = text.charAt(i);
            if (c == '\n') {
                out.add(new Token(NL, false, line++));
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                while (i < len && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"') {
                int end = text.indexOf('"', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("line " + line + ": unterminated quote");
                }
                out.add(new Token(text.substring(i + 1, end), true, line));
                i = end + 1;
            } else if (c == '{' || c == '}' || c == ',' || c == ';' || c == '=') {
                out.add(new Token(String.valueOf(c), false, line));
                i++;
            } else {
                sb.setLength(0);
                while (i < len) {
                    char d = text.charAt(i);
                    if (Character.isWhitespace(d) || d == '{' || d == '}' || d == ',' || d == ';' || d == '"' || d == '=') {
                        break;
                    }
                    sb.append(d);
                    i++;
                }
                out.add(new Token(sb.toString(), false, line));
            }
        }
        return out;
    }
}
