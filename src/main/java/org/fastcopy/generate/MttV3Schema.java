package org.fastcopy.generate;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The DDL of MTT v3, written from mtt-schemas.md, as separate statements so the generator can
 * choose what runs when: tables before the data; keys, indexes and foreign keys after it (building
 * an index once is far cheaper than maintaining it row by row); the insert rules last.
 * <p>
 * Constraint and index names are explicit and follow PostgreSQL's own conventions
 * (table_pkey, table_column_fkey, ...), so a copy can be compared name by name.
 */
public final class MttV3Schema {

    /** The two free-standing sequences; each serial brings its own. */
    public List<String> createSequences() {
        return List.of("CREATE SEQUENCE " + ident(MttV3Tables.CLIENT_SERIAL),
                "CREATE SEQUENCE " + ident(MttV3Tables.TEST_RUN_NETWORK_ID));
    }

    /** A dimension table without its keys: those come after the data. */
    public String createTable(DimensionTable t) {
        List<String> cols = new ArrayList<>();
        cols.add(ident(t.idColumn()) + " serial NOT NULL");
        t.columns().forEach(c -> cols.add(ident(c.name()) + " " + c.type()));
        return "CREATE TABLE " + ident(t.name()) + " (\n    " + String.join(",\n    ", cols) + "\n)";
    }

    /** results_fields, the empty parent of the three result tables. */
    public String createFieldsTable() {
        return "CREATE TABLE " + ident(ResultTable.FIELDS_TABLE) + " (\n    "
                + ResultTable.FIELDS.stream().map(c -> ident(c.name()) + " " + c.type())
                        .collect(Collectors.joining(",\n    "))
                + "\n)";
    }

    /** A result parent: its own columns, the rest inherited. It will hold only the sentinel row. */
    public String createParent(ResultTable t) {
        List<String> cols = new ArrayList<>();
        cols.add(ident(t.idColumn()) + " serial NOT NULL");
        t.ownColumns().forEach(c -> cols.add(ident(c.name()) + " " + c.type()));
        return "CREATE TABLE " + ident(t.table()) + " (\n    " + String.join(",\n    ", cols) + "\n) INHERITS ("
                + ident(ResultTable.FIELDS_TABLE) + ")";
    }

    /**
     * A weekly child with its CHECK. The CHECK is there from the start: COPY verifies it row by row
     * at little cost, and it is what lets the planner skip the other weeks.
     */
    public String createChild(ResultTable t, Week w) {
        String child = w.childName(t.table());
        return "CREATE TABLE " + ident(child) + " (CONSTRAINT " + ident(child + "_start_timestamp_check")
                + " CHECK (" + weekCondition("start_timestamp", w) + ")) INHERITS (" + ident(t.table()) + ")";
    }

    /** Primary key, unique constraints and plain indexes of a dimension table. */
    public List<String> dimensionKeys(DimensionTable t) {
        List<String> sql = new ArrayList<>();
        sql.add(addPrimaryKey("", t.name(), t.idColumn()));
        for (List<String> cols : t.unique()) {
            sql.add("ALTER TABLE " + ident(t.name()) + " ADD CONSTRAINT " + ident(t.name() + "_unique")
                    + " UNIQUE (" + identList(cols) + ")");
        }
        for (String col : t.indexed()) {
            sql.add(createIndex(t.name(), col));
        }
        return sql;
    }

    /** Keys between dimension tables (test_names to test_suites, ...); needs their primary keys. */
    public List<String> dimensionForeignKeys(DimensionTable t) {
        return t.foreignKeys().isEmpty() ? List.of() : List.of(addForeignKeys("", t.name(), t.foreignKeys()));
    }

    /**
     * The parent's primary key and foreign keys, ONLY on the parent: neither is inherited, and a
     * recursive ALTER would lock every child in one transaction.
     */
    public List<String> parentKeys(ResultTable t) {
        return List.of(addPrimaryKey("ONLY ", t.table(), t.idColumn()),
                addForeignKeys("ONLY ", t.table(), t.foreignKeys()));
    }

    /** A child's primary key and its indexes, one statement each so each commits on its own. */
    public List<String> childKeysAndIndexes(ResultTable t, Week w) {
        String child = w.childName(t.table());
        List<String> sql = new ArrayList<>();
        sql.add(addPrimaryKey("", child, t.idColumn()));
        for (String col : t.childIndexed()) {
            sql.add(createIndex(child, col));
        }
        return sql;
    }

    /** One foreign key of a child (see {@link ForeignKeyLanes} for why one at a time). */
    public String childForeignKey(ResultTable t, Week w, ForeignKey key) {
        return addForeignKeys("", w.childName(t.table()), List.of(key));
    }

    /** The rule that routes an INSERT into the parent to the week's child. */
    public String insertRule(ResultTable t, Week w) {
        String child = w.childName(t.table());
        return "CREATE RULE " + ident(child + "_insert") + " AS ON INSERT TO " + ident(t.table())
                + " WHERE (" + weekCondition("NEW.start_timestamp", w) + ") DO INSTEAD INSERT INTO "
                + ident(child) + " VALUES (NEW.*)";
    }

    /** Moves a sequence to {@code value} so the next nextval() gives value + 1 (or 1 if value is 0). */
    public String setSequence(String sequence, long value) {
        return "SELECT setval(" + literal(ident(sequence)) + ", " + Math.max(1, value) + ", " + (value >= 1) + ")";
    }

    /** Moves a serial column's sequence, found the way PostgreSQL linked it, to {@code value}. */
    public String setSerial(String table, String column, long value) {
        return "SELECT setval(pg_get_serial_sequence(" + literal(ident(table)) + ", " + literal(column) + "), "
                + Math.max(1, value) + ", " + (value >= 1) + ")";
    }

    private static String weekCondition(String column, Week w) {
        return column + " >= TIMESTAMP " + literal(w.startText()) + " AND " + column + " < TIMESTAMP "
                + literal(w.endText());
    }

    private static String addPrimaryKey(String only, String table, String column) {
        return "ALTER TABLE " + only + ident(table) + " ADD CONSTRAINT " + ident(table + "_pkey") + " PRIMARY KEY ("
                + ident(column) + ")";
    }

    private static String createIndex(String table, String column) {
        return "CREATE INDEX " + ident(table + "_" + column + "_idx") + " ON " + ident(table) + " (" + ident(column)
                + ")";
    }

    private static String addForeignKeys(String only, String table, List<ForeignKey> keys) {
        return "ALTER TABLE " + only + ident(table) + keys.stream()
                .map(k -> "\n    ADD CONSTRAINT " + ident(table + "_" + k.column() + "_fkey") + " FOREIGN KEY ("
                        + ident(k.column()) + ") REFERENCES " + ident(k.table()) + " (" + ident(k.refColumn()) + ")")
                .collect(Collectors.joining(","));
    }

    private static String identList(List<String> cols) {
        return cols.stream().map(org.fastcopy.util.Sql::ident).collect(Collectors.joining(", "));
    }
}
