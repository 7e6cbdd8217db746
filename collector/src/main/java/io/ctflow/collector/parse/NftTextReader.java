package io.ctflow.collector.parse;

import io.ctflow.collector.parse.NftTokenizer.Token;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code nft list table ...} / {@code nft list ruleset} text into {@link NftTable}s: the
 * block structure ({@code table FAMILY NAME { set|map|chain NAME { ... } }}), set and map
 * {@code elements = { ... }} (which span lines) and, per chain, one rule per line. Other blocks
 * (flowtables, counters, quotas) are skipped; {@code # handle N} comments are ignored.
 */
final class NftTextReader {
    private static final String NL = NftTokenizer.NL;

    private final List<Token> tokens;
    private int pos;

    private NftTextReader(List<Token> tokens) {
        this.tokens = tokens;
    }

    /**
     * @throws IllegalArgumentException naming the line, for unbalanced braces or an unterminated quote
     */
    static List<NftTable> read(String text) {
        return new NftTextReader(NftTokenizer.tokenize(text)).tables();
    }

    /** Whether the text looks like nft's listing: its first statement is {@code table ...}. */
    static boolean looksLikeNft(String text) {
        for (String line : text.split("\n", 50)) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            return s.startsWith("table ");
        }
        return false;
    }

    private List<NftTable> tables() {
        List<NftTable> out = new ArrayList<>();
        while (pos < tokens.size()) {
            Token t = tokens.get(pos++);
            if (t.is("table") && pos + 2 < tokens.size() && tokens.get(pos + 2).is("{")) {
                NftTable table = new NftTable(tokens.get(pos).text(), tokens.get(pos + 1).text());
                pos += 3;
                tableBody(table);
                out.add(table);
            } else if (t.is("{")) {
                skipBlock();
            }
        }
        return out;
    }

    private void tableBody(NftTable table) {
        while (pos < tokens.size()) {
            Token t = tokens.get(pos++);
            if (t.is("}")) {
                return;
            }
            boolean named = pos + 1 < tokens.size() && tokens.get(pos + 1).is("{");
            if (named && t.is("chain")) {
                String name = tokens.get(pos).text();
                pos += 2;
                chainBody(table, name);
            } else if (named && (t.is("set") || t.is("map"))) {
                String name = tokens.get(pos).text();
                pos += 2;
                setBody(table, name, t.is("map"));
            } else if (t.is("{")) {
                skipBlock();
            }
        }
        throw new IllegalArgumentException("table " + table.family + " " + table.name + ": missing '}'");
    }

    private void setBody(NftTable table, String name, boolean map) {
        List<String> setElements = map ? null : table.sets.computeIfAbsent(name, k -> new ArrayList<>());
        List<NftTable.Element> mapElements = map ? table.maps.computeIfAbsent(name, k -> new ArrayList<>()) : null;
        while (pos < tokens.size()) {
            Token t = tokens.get(pos++);
            if (t.is("}")) {
                return;
            }
            if (t.is("elements") && pos + 1 < tokens.size() && tokens.get(pos).is("=") && tokens.get(pos + 1).is("{")) {
                pos += 2;
                for (List<Token> element : elements()) {
                    if (map) {
                        NftTable.Element e = mapElement(element);
                        if (e != null) {
                            mapElements.add(e);
                        }
                    } else {
                        List<String> key = key(element, 0, element.size());
                        if (key.size() == 1) {
                            setElements.add(key.get(0));
                        }
                    }
                }
            } else if (t.is("{")) {
                skipBlock();
            }
        }
        throw new IllegalArgumentException("set/map " + name + ": missing '}'");
    }

    /** The comma-separated elements of a {@code { ... }} whose '{' was consumed, up to its '}'. */
    private List<List<Token>> elements() {
        List<List<Token>> out = new ArrayList<>();
        List<Token> current = new ArrayList<>();
        int depth = 0;
        while (pos < tokens.size()) {
            Token t = tokens.get(pos++);
            if (t.is(NL)) {
                continue;
            }
            if (t.is("{")) {
                depth++;
            } else if (t.is("}")) {
                if (depth-- == 0) {
                    if (!current.isEmpty()) {
                        out.add(current);
                    }
                    return out;
                }
            } else if (t.is(",") && depth == 0) {
                out.add(current);
                current = new ArrayList<>();
                continue;
            }
            current.add(t);
        }
        throw new IllegalArgumentException("elements: missing '}'");
    }

    private static NftTable.Element mapElement(List<Token> element) {
        int colon = -1;
        for (int i = 0; i < element.size(); i++) {
            if (element.get(i).is(":")) {
                colon = i;
                break;
            }
        }
        if (colon < 0) {
            return null;
        }
        String target = null;
        if (colon + 2 < element.size()) {
            Token verdict = element.get(colon + 1);
            if (verdict.is("goto") || verdict.is("jump")) {
                target = element.get(colon + 2).text();
            }
        }
        String comment = null;
        for (int i = 0; i + 1 < colon; i++) {
            if (element.get(i).is("comment")) {
                comment = unquote(element.get(i + 1).text());
            }
        }
        return new NftTable.Element(key(element, 0, colon), target, comment);
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    /** Key parts of {@code a . b . c [comment "x"] [timeout ...]}: the words between the dots. */
    private static List<String> key(List<Token> element, int from, int to) {
        List<String> out = new ArrayList<>(3);
        for (int i = from; i < to; i++) {
            Token t = element.get(i);
            if (t.is("comment") || t.is("timeout") || t.is("expires") || t.is("counter")) {
                break;
            }
            if (!t.is(".")) {
                out.add(t.text());
            }
        }
        return out;
    }

    private void chainBody(NftTable table, String name) {
        List<NftTable.Rule> rules = table.chain(name);
        List<Token> rule = new ArrayList<>();
        int depth = 0;
        while (pos < tokens.size()) {
            Token t = tokens.get(pos++);
            if (depth == 0 && (t.is(NL) || t.is(";") || t.is("}"))) {
                NftTable.Rule r = rule(rule);
                if (r != null) {
                    rules.add(r);
                }
                rule = new ArrayList<>();
                if (t.is("}")) {
                    return;
                }
                continue;
            }
            if (t.is("{")) {
                depth++;
            } else if (t.is("}")) {
                depth--;
            }
            if (!t.is(NL)) {
                rule.add(t);
            }
        }
        throw new IllegalArgumentException("chain " + name + ": missing '}'");
    }

    private static NftTable.Rule rule(List<Token> rule) {
        if (rule.isEmpty()) {
            return null;
        }
        Token first = rule.get(0);
        if (first.is("type") || first.is("policy") || first.is("comment") || first.is("devices")) {
            return null; // base chain header, chain comment
        }
        List<String> targets = new ArrayList<>(1);
        List<String> dnats = new ArrayList<>(1);
        for (int i = 0; i < rule.size(); i++) {
            Token t = rule.get(i);
            if ((t.is("jump") || t.is("goto")) && i + 1 < rule.size() && !rule.get(i + 1).quoted()) {
                targets.add(rule.get(i + 1).text());
            } else if (t.is("dnat")) {
                i = dnat(rule, i + 1, dnats);
            }
        }
        return new NftTable.Rule(targets, dnats, first.line());
    }

    /**
     * {@code dnat [ip|ip6] [addr . port] to DEST}: DEST is {@code addr[:port]}, {@code [v6]:port},
     * or an expression with an inline {@code map { k : addr [. port], ... }}.
     */
    private static int dnat(List<Token> rule, int i, List<String> out) {
        while (i < rule.size() && !rule.get(i).is("to")) {
            i++;
        }
        i++;
        if (i >= rule.size()) {
            return i;
        }
        int mapAt = -1;
        for (int j = i; j < rule.size() && !rule.get(j).is("{"); j++) {
            if (rule.get(j).is("map") && j + 1 < rule.size() && rule.get(j + 1).is("{")) {
                mapAt = j;
                break;
            }
        }
        if (mapAt < 0) {
            String to = rule.get(i).text();
            if (i + 2 < rule.size() && rule.get(i + 1).is(".")) {
                to = NftTable.hostPort(to, rule.get(i + 2).text());
                i += 2;
            }
            if (!to.startsWith("@") && !to.isEmpty() && (Character.isDigit(to.charAt(0)) || to.charAt(0) == '[' || to.indexOf(':') > 0)) {
                out.add(to);
            }
            return i;
        }
        int j = mapAt + 2;
        List<Token> value = null;
        for (; j < rule.size() && !rule.get(j).is("}"); j++) {
            Token t = rule.get(j);
            if (t.is(":")) {
                value = new ArrayList<>(3);
            } else if (t.is(",")) {
                addMapValue(value, out);
                value = null;
            } else if (value != null) {
                value.add(t);
            }
        }
        addMapValue(value, out);
        return j;
    }

    private static void addMapValue(List<Token> value, List<String> out) {
        if (value == null || value.isEmpty()) {
            return;
        }
        String address = value.get(0).text();
        String port = value.size() >= 3 && value.get(1).is(".") ? value.get(2).text() : null;
        out.add(port == null ? address : NftTable.hostPort(address, port));
    }

    private void skipBlock() {
        int depth = 1;
        while (pos < tokens.size() && depth > 0) {
            Token t = tokens.get(pos++);
            if (t.is("{")) {
                depth++;
            } else if (t.is("}")) {
                depth--;
            }
        }
    }
}
