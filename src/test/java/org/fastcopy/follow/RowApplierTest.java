package org.fastcopy.follow;

import org.fastcopy.follow.decode.PgOutputMessage;
import org.fastcopy.testing.FidelityFixture;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.testing.LogicalSlotReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.testing.Queries.column;
import static org.fastcopy.testing.Queries.exec;

/**
 * The applier writes each change the way its run calls for: an EXECUTE of a server-side prepared
 * statement with literal values, queued in one pipeline, or for a long run of INSERTs a COPY.
 * Whatever the way, every value of every column type of the fidelity fixture must arrive as the
 * source has it, in the source's order (an UPDATE of a row inserted just before it finds it).
 */
class RowApplierTest {
    private final LogicalClusters lc = LogicalClusters.get();

    @Test
    void aRunGoesThroughCopyWhenItIsLongEnoughToPayForCopysOwnRoundTrips() {
        assertThat(RowApplier.copyFrom(50_000)).as("loopback").isEqualTo(RowApplier.RUN);
        assertThat(RowApplier.copyFrom(2_000_000)).as("2 ms").isEqualTo(80);
        assertThat(RowApplier.copyFrom(100_000_000)).as("100 ms").isEqualTo(RowApplier.RUN_MAX);
    }

    @Test
    void moreChangesAreHeldTheLongerTheRoundTripThatEndingARunCosts() {
        assertThat(RowApplier.heldMax(50_000)).as("loopback").isEqualTo(RowApplier.BATCH);
        assertThat(RowApplier.heldMax(2_000_000)).as("2 ms").isEqualTo(4_000);
        assertThat(RowApplier.heldMax(100_000_000)).as("100 ms").isEqualTo(RowApplier.HELD_MAX);
    }

    /** copyFrom 2: every run of two INSERTs or more goes through COPY; MAX_VALUE: none does. */
    @ParameterizedTest(name = "INSERT runs through COPY from {0} rows")
    @ValueSource(ints = {2, Integer.MAX_VALUE})
    void everyFixtureValueArrivesEqualThroughExecutesInOnePipelineAndThroughCopy(int copyFrom) throws Exception {
        try (Connection postgres = lc.connect(lc.source(), "postgres")) {
            FidelityFixture.createRoles(postgres);
        }
        // both databases on one cluster: reg* values and ACLs name roles and objects by name
        String src = lc.createDatabase(lc.source(), "applier_src").database();
        String dst = lc.createDatabase(lc.source(), "applier_dst").database();
        List<String> copies = new ArrayList<>();
        try (Connection s = lc.connect(lc.source(), src); Connection d = lc.connect(lc.source(), dst)) {
            int version = Integer.parseInt(column(s, "SHOW server_version_num").get(0));
            FidelityFixture.create(s, version);
            FidelityFixture.create(d, version);
            List<String> tables = column(s, "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND c.relpersistence <> 't'"
                    + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
                    + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
                    + " AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)"
                    + " ORDER BY 1");
            exec(s, "CREATE SCHEMA applied");
            exec(d, "CREATE SCHEMA applied");
            for (int i = 0; i < tables.size(); i++) {
                // "r": rows one at a time, interleaved with the other tables (runs of one);
                // "w": every row of a table in one statement (a run as long as the table: COPY
                // from copyFrom rows on)
                for (String kind : List.of("r", "w")) {
                    String copy = "applied." + kind + i;
                    copies.add(copy);
                    String ddl = "CREATE TABLE " + copy + " (LIKE " + tables.get(i) + ", k bigint PRIMARY KEY)";
                    exec(s, ddl);
                    exec(d, ddl);
                }
            }
            exec(s, "CREATE PUBLICATION applied FOR TABLE " + String.join(", ", copies));

            try (LogicalSlotReader slot = LogicalSlotReader.open(lc, src, lc.newName("applier_slot"), "applied", Map.of())) {
                s.setAutoCommit(false);
                int most = 0;
                for (int i = 0; i < tables.size(); i++) {
                    exec(s, "INSERT INTO applied.w" + i + " SELECT *, row_number() OVER () FROM ONLY " + tables.get(i));
                    exec(s, "CREATE TEMP TABLE n" + i + " AS SELECT *, row_number() OVER () AS k FROM ONLY " + tables.get(i));
                    most = Math.max(most, Integer.parseInt(column(s, "SELECT count(*) FROM n" + i).get(0)));
                }
                for (int row = 1; row <= most; row++) {
                    for (int i = 0; i < tables.size(); i++) {
                        exec(s, "INSERT INTO applied.r" + i + " SELECT * FROM n" + i + " WHERE k = " + row);
                    }
                }
                s.commit();
                // a row inserted (a run of one, not sent yet) and then, in the same transaction,
                // every row takes the values of the next one (the last those of the first), every
                // column but k: the new row too, so an UPDATE sent before its INSERT misses it
                for (String copy : copies) {
                    List<String> cols = column(s, "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = '"
                            + copy + "'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'k' ORDER BY attnum");
                    String list = String.join(", ", cols);
                    exec(s, "INSERT INTO " + copy + " SELECT " + list + ", (SELECT max(k) + 1 FROM " + copy + ") FROM "
                            + copy + " WHERE k = 1");
                    exec(s, "UPDATE " + copy + " t SET (" + list + ") = ("
                            + "SELECT " + list + " FROM " + copy + " n WHERE n.k = CASE WHEN t.k = (SELECT max(k) FROM "
                            + copy + ") THEN 1 ELSE t.k + 1 END)");
                }
                s.commit();
                for (String copy : copies) {
                    exec(s, "DELETE FROM " + copy + " WHERE k % 3 = 0");
                }
                s.commit();
                s.setAutoCommit(true);

                d.setAutoCommit(false);
                long rowsSeen = 0;
                try (RowApplier applier = new RowApplier(d, copyFrom)) {
                    for (int txn = 0; txn < 3; txn++) {
                        for (PgOutputMessage m : slot.nextTransaction()) {
                            applier.apply(m);
                        }
                        applier.flush();
                        d.commit();
                    }
                    rowsSeen = applier.rows();
                    assertThat(applier.missing()).isEmpty();
                }
                int compared = 0;
                for (String copy : copies) {
                    List<String> expected = column(s, "SELECT t::text FROM " + copy + " t ORDER BY k");
                    assertThat(column(d, "SELECT t::text FROM " + copy + " t ORDER BY k")).as(copy).isEqualTo(expected);
                    compared += expected.size();
                }
                assertThat(compared).isGreaterThan(100);
                assertThat(rowsSeen).isGreaterThan(2L * compared);
                assertThat(most).as("rows of the largest fixture table: runs of COPY").isGreaterThanOrEqualTo(2);
            }
        }
    }
}
