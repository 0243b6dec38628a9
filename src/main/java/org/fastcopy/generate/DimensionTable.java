package org.fastcopy.generate;

import java.util.ArrayList;
import java.util.List;

/**
 * A small table the results point into. Its serial id becomes the primary key after the load.
 *
 * @param name        table name
 * @param idColumn    serial id column
 * @param columns     the other columns, in COPY order
 * @param unique      column lists with a UNIQUE constraint
 * @param indexed     columns with a plain index
 * @param foreignKeys references to other dimension tables
 */
public record DimensionTable(String name, String idColumn, List<Column> columns, List<List<String>> unique,
                             List<String> indexed, List<ForeignKey> foreignKeys) {

    public DimensionTable {
        columns = List.copyOf(columns);
        unique = List.copyOf(unique);
        indexed = List.copyOf(indexed);
        foreignKeys = List.copyOf(foreignKeys);
    }

    /** The id first, then the columns: the order the generators write. */
    public List<String> copyColumns() {
        List<String> names = new ArrayList<>();
        names.add(idColumn);
        columns.forEach(c -> names.add(c.name()));
        return names;
    }
}
