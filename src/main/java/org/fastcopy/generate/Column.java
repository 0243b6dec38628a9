package org.fastcopy.generate;

/**
 * A column of the generated schema.
 *
 * @param name column name
 * @param type SQL type with its NOT NULL and DEFAULT, as it appears in CREATE TABLE
 */
public record Column(String name, String type) {
}
