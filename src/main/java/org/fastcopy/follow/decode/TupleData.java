package org.fastcopy.follow.decode;

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

    /** 't': the value in its type's text output form. */
    public record Text(String text) implements Value {
    }
}
