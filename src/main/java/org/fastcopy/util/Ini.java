package org.fastcopy.util;

import java.util.ArrayList;
import java.util.List;

/**
 * fastcopy's one reader of INI-style text: the migration plan, the service's conf (Python
 * ConfigParser style, {@code key: value} or {@code key = value}) and libpq's pg_service.conf. It
 * splits the text into lines and says what each line is; it keeps every line's exact text and
 * terminator, so a caller can rewrite one value and leave every other byte alone. What sections
 * and keys are allowed, what a duplicate does and how an error is worded stay with each format
 * (PlanParser refuses a duplicate key, ServiceFile keeps the first as libpq does, ServiceConf
 * rewrites the first).
 *
 * <p>The rules, shared by the three: whitespace around a line is ignored; a blank line is
 * {@link Kind#BLANK}; a line starting with one of the dialect's comment characters is a
 * {@link Kind#COMMENT} (whole lines only: a '#' after a value is part of the value, as in libpq and
 * in ConfigParser's default); a line starting with '[' is a {@link Kind#SECTION} header; any other
 * line holding one of the dialect's separators is an {@link Kind#ENTRY}, split at the first one,
 * key and value stripped (the key may be empty: the format decides); the rest is {@link Kind#OTHER}.
 * Lines end at '\n'; a '\r' before it belongs to the terminator.
 */
public final class Ini {

    /** A format's comment characters and key/value separators. */
    public record Dialect(String comments, String separators) {
        /** libpq's pg_service.conf, and the migration plan: '#' comments, {@code key=value}. */
        public static final Dialect LIBPQ = new Dialect("#", "=");
        /** Python's ConfigParser defaults: '#' and ';' comments, {@code key: value} or {@code key = value}. */
        public static final Dialect CONFIG_PARSER = new Dialect("#;", ":=");

        /** One line of text (without its terminator), classified. */
        public Line line(int number, String text, String ending) {
            return new Line(this, number, text, ending);
        }
    }

    public enum Kind { BLANK, COMMENT, SECTION, ENTRY, OTHER }

    /** One line, numbered from 1, with its exact text and terminator ("\n", "\r\n", or "" at the end). */
    public static final class Line {
        private final Dialect dialect;
        private final int number;
        private final String text;
        private final String ending;
        private final Kind kind;
        private int keyStart;
        private int keyEnd;
        private int valueStart;
        private int valueEnd;

        private Line(Dialect dialect, int number, String text, String ending) {
            this.dialect = dialect;
            this.number = number;
            this.text = text;
            this.ending = ending;
            this.kind = classify();
        }

        private Kind classify() {
            String t = text.strip();
            if (t.isEmpty()) {
                return Kind.BLANK;
            }
            if (dialect.comments().indexOf(t.charAt(0)) >= 0) {
                return Kind.COMMENT;
            }
            if (t.charAt(0) == '[') {
                return Kind.SECTION;
            }
            int sep = -1;
            for (int i = 0; i < text.length() && sep < 0; i++) {
                if (dialect.separators().indexOf(text.charAt(i)) >= 0) {
                    sep = i;
                }
            }
            if (sep < 0) {
                return Kind.OTHER;
            }
            keyStart = skipSpace(0, sep);
            keyEnd = sep;
            while (keyEnd > keyStart && Character.isWhitespace(text.charAt(keyEnd - 1))) {
                keyEnd--;
            }
            valueEnd = text.length();
            valueStart = skipSpace(sep + 1, valueEnd);
            while (valueEnd > valueStart && Character.isWhitespace(text.charAt(valueEnd - 1))) {
                valueEnd--;
            }
            return Kind.ENTRY;
        }

        private int skipSpace(int from, int to) {
            while (from < to && Character.isWhitespace(text.charAt(from))) {
                from++;
            }
            return from;
        }

        public int number() {
            return number;
        }

        public String text() {
            return text;
        }

        public String ending() {
            return ending;
        }

        public Kind kind() {
            return kind;
        }

        /**
         * A section header's text between '[' and the first ']', exactly as written (libpq compares
         * it as is); null when this is not a header or the ']' is missing.
         */
        public String section() {
            if (kind != Kind.SECTION) {
                return null;
            }
            String t = text.strip();
            int close = t.indexOf(']');
            return close < 0 ? null : t.substring(1, close);
        }

        /**
         * A well-formed header's name, stripped: {@code [ name ]} with nothing after the ']'. Null
         * for anything else, including {@code [name] extra} and {@code [name}.
         */
        public String sectionName() {
            String s = section();
            return s != null && text.strip().length() == s.length() + 2 ? s.strip() : null;
        }

        /** An entry's key, stripped (possibly empty); null when this is not an entry. */
        public String key() {
            return kind == Kind.ENTRY ? text.substring(keyStart, keyEnd) : null;
        }

        /** An entry's value, stripped (possibly empty); null when this is not an entry. */
        public String value() {
            return kind == Kind.ENTRY ? text.substring(valueStart, valueEnd) : null;
        }

        /** What stands between an entry's key and its value, as written: ": ", " = ", "=". */
        public String separator() {
            return kind == Kind.ENTRY ? text.substring(keyEnd, valueStart) : null;
        }

        /** This entry with another value; the indent, key, separator, trailing spaces and terminator stay. */
        public Line withValue(String newValue) {
            if (kind != Kind.ENTRY) {
                throw new IllegalStateException("line " + number + " is not an entry");
            }
            return new Line(dialect, number, text.substring(0, valueStart) + newValue + text.substring(valueEnd), ending);
        }

        /** This line with another terminator. */
        public Line withEnding(String newEnding) {
            return new Line(dialect, number, text, newEnding);
        }

        @Override
        public String toString() {
            // Never the text: a line may hold a password.
            return "line " + number + " (" + kind + ")";
        }
    }

    private Ini() {
    }

    /** The text's lines in order; text ending in a terminator has no empty last line. */
    public static List<Line> parse(String text, Dialect dialect) {
        List<Line> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            int contentEnd = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            lines.add(dialect.line(lines.size() + 1, text.substring(start, contentEnd),
                    nl < 0 ? "" : text.substring(contentEnd, nl + 1)));
            start = nl < 0 ? text.length() : nl + 1;
        }
        return lines;
    }

    /** The lines joined back into text, each with its terminator. */
    public static String text(List<Line> lines) {
        StringBuilder sb = new StringBuilder();
        for (Line l : lines) {
            sb.append(l.text()).append(l.ending());
        }
        return sb.toString();
    }
}
