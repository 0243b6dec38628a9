package org.fastcopy.util;

/**
 * Quoting for identifiers and literals that fastcopy puts into SQL text it builds itself.
 * Every table, schema, column or database name goes through {@link #ident}: catalogue names can
 * hold anything (mixed case, spaces, quotes, non-ASCII), and a name that looks like SQL must stay
 * a name.
 */
public final class Sql {
    private Sql() {
    }

    /** Always quotes, like quote_ident() would for a name that needs it; never trusts the input. */
    public static String ident(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("empty SQL identifier");
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("SQL identifier holds a NUL byte");
        }
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** schema.table, each part quoted. */
    public static String qualified(String schema, String table) {
        return ident(schema) + '.' + ident(table);
    }

    /** A standard-conforming string literal (standard_conforming_strings is on since 9.1). */
    public static String literal(String value) {
        if (value == null) {
            return "NULL";
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("SQL literal holds a NUL byte");
        }
        return '\'' + value.replace("'", "''") + '\'';
    }
}
