package org.fastcopy.generate;

/**
 * A reference from a column to the id of a dimension table.
 *
 * @param column    referencing column
 * @param table     referenced table
 * @param refColumn referenced column (the table's serial id)
 */
public record ForeignKey(String column, String table, String refColumn) {
}
