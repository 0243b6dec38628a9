package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses a libpq keyword/value connection string: {@code host=flux1 port=5432 dbname='my db'}.
 * Same rules as libpq: whitespace around '=' is allowed, a value is either bare (ends at
 * whitespace) or single-quoted, and a backslash escapes the next character in both forms. A later
 * keyword overrides an earlier one.
 *
 * <p>Error messages name the keyword, never the input: the string may hold a password.
 */
final class ConnInfo {
    private final String text;
    private int pos;

    private ConnInfo(String text) {
        this.text = text;
    }

    /** Keywords as written, in order; checked against libpq's keyword list. */
    static Map<String, String> parse(String conninfo) {
        return new ConnInfo(conninfo).parseAll();
    }

    private Map<String, String> parseAll() {
        Map<String, String> out = new LinkedHashMap<>();
        while (skipSpace()) {
            String key = keyword();
            skipSpace();
            if (pos >= text.length() || text.charAt(pos) != '=') {
                throw error("missing '=' after '" + key + "'");
            }
            pos++;
            skipSpace();
            String value = pos < text.length() && text.charAt(pos) == '\'' ? quoted(key) : bare();
            if (!Libpq.isKeyword(key)) {
                throw error("unknown keyword '" + key + "'");
            }
            out.put(key, value);
        }
        return out;
    }

    /** Skips whitespace; false at the end of the text. */
    private boolean skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
        return pos < text.length();
    }

    private String keyword() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) != '=' && !Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private String bare() {
        StringBuilder sb = new StringBuilder();
        while (pos < text.length() && !Character.isWhitespace(text.charAt(pos))) {
            char c = text.charAt(pos++);
            if (c == '\\' && pos < text.length()) {
                c = text.charAt(pos++);
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private String quoted(String key) {
        StringBuilder sb = new StringBuilder();
        pos++; // opening quote
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated quoted value for '" + key + "'");
            }
            char c = text.charAt(pos++);
            if (c == '\'') {
                return sb.toString();
            }
            if (c == '\\' && pos < text.length()) {
                c = text.charAt(pos++);
            }
            sb.append(c);
        }
    }

    private static FastcopyException error(String what) {
        return new FastcopyException(FastcopyException.USAGE, "invalid connection string: " + what);
    }
}
