package org.fastcopy.follow.decode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The column values of one row in an Insert, Update or Delete message, in the order of the
 * table's Relation columns. pgoutput version 1 sends every value in its type's text output form,
 * in the connection's client_encoding (UTF8 for PgJDBC), exactly as {@code SELECT col::text}
 * would show it under the same DateStyle, IntervalStyle and extra_float_digits.
 */
public record TupleData(List<Value> values) {
    public TupleData {
        values = List.copyOf(values);
    }

    public int size() {
        return values.size();
    }

    /** Whether some value was not sent (an unchanged TOASTed value). */
    public boolean hasUnchangedToast() {
        for (Value v : values) {
            if (v instanceof UnchangedToast) {
                return true;
            }
        }
        return false;
    }

    public Value get(int column) {
        return values.get(column);
    }

    /**
     * The text of column {@code column}, or null when it is SQL NULL.
     *
     * @throws IllegalStateException when the value was not sent (an unchanged TOASTed value): the
     *                               caller must keep the target's value instead
     */
    public String text(int column) {
        Value v = values.get(column);
        if (v instanceof Text t) {
            return t.text();
        }
        if (v instanceof Null) {
            return null;
        }
        throw new IllegalStateException("column " + column + " is an unchanged TOASTed value: it was not sent");
    }

    /** A column value: NULL, an unchanged TOASTed value (not sent), or text. */
    public sealed interface Value permits Null, UnchangedToast, Text {
    }

    /** 'n': SQL NULL. */
    public record Null() implements Value {
        public static final Null INSTANCE = new Null();
    }

    /**
     * 'u': the value is stored out of line (TOASTed) and the UPDATE did not change it, so the
     * server did not send it: keep the target's value.
     */
    public record UnchangedToast() implements Value {
        public static final UnchangedToast INSTANCE = new UnchangedToast();
    }

    /**
     * 't': the value in its type's text output form. Kept as the UTF-8 bytes the server sent (the
     * decoder has checked them): a COPY copies them straight to the target, and only a value bound
     * to a statement is turned into a String, once.
     */
    public static final class Text implements Value {
        private final byte[] utf8;
        private String text;

        public Text(String text) {
            this.text = text;
            this.utf8 = text.getBytes(StandardCharsets.UTF_8);
        }

        /** From bytes already checked to be UTF-8; they are not copied, and nobody changes them. */
        static Text ofCheckedUtf8(byte[] utf8) {
            return new Text(utf8);
        }

        private Text(byte[] utf8) {
            this.utf8 = utf8;
        }

        public String text() {
            String t = text;
            if (t == null) {
                text = t = new String(utf8, StandardCharsets.UTF_8);
            }
            return t;
        }

        /** The value's UTF-8 bytes: read them, never change them. */
        public byte[] utf8() {
            return utf8;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Text t && Arrays.equals(utf8, t.utf8);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(utf8);
        }

        @Override
        public String toString() {
            return "Text[text=" + text() + "]";
        }
    }
}
