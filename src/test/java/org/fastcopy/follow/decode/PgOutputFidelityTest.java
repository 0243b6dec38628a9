package org.fastcopy.follow.decode;

import org.fastcopy.follow.decode.PgOutputMessage.Column;
import org.fastcopy.follow.decode.PgOutputMessage.Insert;
import org.fastcopy.follow.decode.PgOutputMessage.Relation;
import org.fastcopy.testing.FidelityFixture;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.testing.LogicalSlotReader;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.testing.Queries.column;
import static org.fastcopy.testing.Queries.exec;
import static org.fastcopy.util.Sql.ident;

/**
 * Every column type of the copy fidelity fixture ({@link FidelityFixture}: edge values of the
 * built-in types, extension types such as hstore, citext, ltree, cube and isbn13, aclitem, reg*
 * aliases, domains, enums, composites and arrays of them) decodes to the text its output function
 * gives. The fixture's rows are inserted, table by table, into copies made with LIKE (same column
 * types, no constraints), in one transaction read from a slot; each copy's decoded rows must equal
 * the original table's rows as the output functions show them.
 */
class PgOutputFidelityTest {

    @Test
    void everyRowOfEveryFixtureTableDecodesToItsOutputText() throws SQLException {
        LogicalClusters clusters = LogicalClusters.get();
        try (Connection postgres = clusters.connect(clusters.source(), "postgres")) {
            FidelityFixture.createRoles(postgres);
        }
        String db = clusters.createDatabase(clusters.source(), "pgoutput_fidelity").database();
        try (Connection sql = clusters.connect(clusters.source(), db)) {
            FidelityFixture.create(sql, Integer.parseInt(column(sql, "SHOW server_version_num").get(0)));
            exec(sql, "SET IntervalStyle = 'postgres'");
            List<String> tables = column(sql, "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND c.relpersistence <> 't'"
                    + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
                    + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
                    + " ORDER BY 1");
            exec(sql, "CREATE SCHEMA decoded");
            Map<String, String> copyOf = new HashMap<>();
            for (int i = 0; i < tables.size(); i++) {
                String copy = "t" + i;
                copyOf.put(copy, tables.get(i));
                exec(sql, "CREATE TABLE decoded." + copy + " (LIKE " + tables.get(i) + ")");
            }
            exec(sql, "CREATE PUBLICATION decoded FOR TABLE " + copyOf.keySet().stream().sorted()
                    .map(t -> "decoded." + t).collect(Collectors.joining(", ")));

            try (LogicalSlotReader slot = LogicalSlotReader.open(clusters, db, clusters.newName("fidelity_slot"),
                    "decoded", Map.of())) {
                sql.setAutoCommit(false);
                for (Map.Entry<String, String> e : copyOf.entrySet()) {
                    exec(sql, "INSERT INTO decoded." + e.getKey() + " SELECT * FROM ONLY " + e.getValue());
                }
                sql.commit();
                sql.setAutoCommit(true);

                RelationCache relations = new RelationCache();
                Map<String, List<String>> columnsOf = new HashMap<>();
                Map<String, List<String>> decodedRows = new HashMap<>();
                for (PgOutputMessage m : slot.nextTransaction()) {
                    relations.accept(m);
                    if (m instanceof Relation r) {
                        columnsOf.put(r.name(), r.columns().stream().map(Column::name).toList());
                    }
                    if (m instanceof Insert insert) {
                        decodedRows.computeIfAbsent(relations.require(insert.relationOid()).name(), k -> new ArrayList<>())
                                .add(render(insert.newTuple()));
                    }
                }

                int compared = 0;
                for (Map.Entry<String, String> e : copyOf.entrySet()) {
                    List<String> expected = expectedRows(sql, e.getValue(), columnsOf.get(e.getKey()));
                    assertThat(decodedRows.getOrDefault(e.getKey(), List.of())).as("rows of %s", e.getValue())
                            .containsExactlyInAnyOrderElementsOf(expected);
                    compared += expected.size();
                }
                assertThat(tables).contains("fx.edges", "fx.ext_types", "fx.no_binary_io", "fx.reg_refs");
                assertThat(compared).isGreaterThan(100);
            }
        }
    }

    /**
     * The original's rows rendered as {@link #render} does, through each type's output function.
     * A table without rows sends no Relation ({@code columns} null): it must have no rows.
     */
    private static List<String> expectedRows(Connection sql, String table, List<String> columns) throws SQLException {
        if (columns == null) {
            return column(sql, "SELECT 'a row' FROM ONLY " + table);
        }
        if (columns.isEmpty()) {
            return column(sql, "SELECT '' FROM ONLY " + table);
        }
        String select = columns.stream().map(c -> "CASE WHEN num_nulls(" + ident(c) + ") = 1 THEN NULL ELSE format('%s', "
                + ident(c) + ") END").collect(Collectors.joining(", "));
        List<String> rows = new ArrayList<>();
        try (Statement st = sql.createStatement(); ResultSet rs = st.executeQuery("SELECT " + select + " FROM ONLY " + table)) {
            while (rs.next()) {
                List<TupleData.Value> values = new ArrayList<>();
                for (int i = 1; i <= columns.size(); i++) {
                    String v = rs.getString(i);
                    values.add(v == null ? TupleData.Null.INSTANCE : new TupleData.Text(v));
                }
                rows.add(render(new TupleData(values)));
            }
        }
        return rows;
    }

    /** A row as one comparable line: each value quoted, NULL bare, an unchanged TOAST value marked. */
    private static String render(TupleData tuple) {
        return tuple.values().stream().map(v -> {
            if (v instanceof TupleData.Text t) {
                return "'" + t.text().replace("'", "''") + "'";
            }
            return v instanceof TupleData.Null ? "NULL" : "UNCHANGED TOAST";
        }).collect(Collectors.joining(", "));
    }
}
