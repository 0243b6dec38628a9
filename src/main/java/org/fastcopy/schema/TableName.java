package org.fastcopy.schema;

import org.fastcopy.util.Sql;

import java.util.Objects;

/** A table as the source catalogue names it: schema and relation name, unquoted. */
public record TableName(String schema, String name) implements Comparable<TableName> {

    public TableName {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(name, "name");
    }

    /** For SQL text: both parts quoted. */
    public String qualified() {
        return Sql.qualified(schema, name);
    }

    @Override
    public int compareTo(TableName o) {
        int c = schema.compareTo(o.schema);
        return c != 0 ? c : name.compareTo(o.name);
    }

    /** For messages: the quoted form, so a name with a dot or a space stays unambiguous. */
    @Override
    public String toString() {
        return qualified();
    }
}
