package org.fastcopy.follow;

import org.fastcopy.follow.decode.PgOutputMessage;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.testing.LogicalSlotReader;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.testing.Queries.column;
import static org.fastcopy.testing.Queries.exec;

/**
 * UPDATEs and DELETEs of older rows, mixed into a run of INSERTs, wait until the run has gone
 * through its COPY, and only where that leaves the target as the source's order would: never
 * behind an INSERT of a key they touch, never on a table with a second unique index, never when a
 * trigger on the target fires during the apply and could see the order.
 */
class RowApplierHoldTest {
    private final LogicalClusters lc = LogicalClusters.get();

    private static final String TABLES = """
            CREATE TABLE k1 (id int PRIMARY KEY, v text);
            CREATE TABLE k2 (id int PRIMARY KEY, code int UNIQUE, v text);
            CREATE TABLE other (id bigint PRIMARY KEY, v text);
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
            CREATE TABLE typed (id int PRIMARY KEY, t text, vc varchar(12), n numeric(10, 2), ts timestamptz,
                                d date, j jsonb, m mood, b bytea, r int4range, u uuid);
            CREATE TABLE typed_arr (id int PRIMARY KEY, a text[], bx box);
            """;
    private static final String BEFORE = """
            INSERT INTO k1 SELECT g, 'old' FROM generate_series(1, 40) g;
            INSERT INTO k2 SELECT g, g, 'old' FROM generate_series(1, 5) g;
            INSERT INTO other SELECT g, 'old' FROM generate_series(1, 5) g;
            INSERT INTO typed (id, t) SELECT g, 'old' FROM generate_series(1, 10) g;
            INSERT INTO typed_arr (id) SELECT g FROM generate_series(1, 3) g;
            """;

    @Test
    void insertsMixedWithChangesOfOlderRowsGoThroughOneCopy() throws Exception {
        // 50 INSERTs, after every fifth an UPDATE or a DELETE of an older row, of k1 or another table
        StringBuilder tx = new StringBuilder();
        for (int i = 1; i <= 50; i++) {
            tx.append("INSERT INTO k1 VALUES (").append(100 + i).append(", 'new');\n");
            if (i % 5 == 0) {
                tx.append(switch (i % 15) {
                    case 5 -> "UPDATE k1 SET v = 'updated' WHERE id = " + i / 5 + ";\n";
                    case 10 -> "DELETE FROM k1 WHERE id = " + (20 + i / 5) + ";\n";
                    default -> "UPDATE other SET v = 'updated' WHERE id = " + (i / 15) + ";\n";
                });
            }
        }
        RowApplier applied = applyAndCompare(List.of(tx.toString()), 16, false);
        assertThat(applied.copiedRows()).as("INSERTs through COPY: the 40 of k1 before, then all 50").isEqualTo(40 + 50);
    }

    @Test
    void aChangeOfAKeyTheRunInsertsAgainOrOfATableWithASecondUniqueIndexKeepsItsPlace() throws Exception {
        String tx = """
                INSERT INTO k1 VALUES (101, 'new'), (102, 'new');
                UPDATE k1 SET v = 'updated' WHERE id = 1;
                DELETE FROM k1 WHERE id = 3;
                INSERT INTO k1 VALUES (3, 'inserted again after its DELETE');
                UPDATE k1 SET id = 200 WHERE id = 4;
                INSERT INTO k1 VALUES (4, 'inserted after the old row 4 moved to 200');
                UPDATE k1 SET id = 5 WHERE id = 102;
                INSERT INTO k1 VALUES (102, 'inserted after 102 moved to 5'), (103, 'new');
                UPDATE k1 SET v = 'updated after its INSERT' WHERE id = 103;
                INSERT INTO k1 VALUES (104, 'new');
                INSERT INTO k2 VALUES (101, 101, 'new'), (102, 102, 'new');
                UPDATE k2 SET code = 50 WHERE id = 1;
                INSERT INTO k2 VALUES (103, 1, 'takes the code row 1 gave up');
                """;
        // DELETE 5 first, so that 102 can move there
        RowApplier applied = applyAndCompare(List.of("DELETE FROM k1 WHERE id = 5", tx), 2, false);
        assertThat(applied.copiedRows()).as("INSERTs through COPY").isGreaterThan(0);
    }

    @Test
    void heldChangesOfDifferentRowsGoAsOneStatementPerTableAndShapeWithEveryValueIntact() throws Exception {
        StringBuilder tx = new StringBuilder();
        String[] texts = {"plain", "with \"double\" quotes", "back\\slash \\\" both", "{braces,commas}", "", "NULL", "'single'",
            "tab\there, newline\nthere", "ünïcödé ✓",
            // long, with something to escape near its end: copied in runs between the escapes
            " spaced, then long " + "x".repeat(70_000) + " 'single' \"double\" back\\slash"};
        for (int i = 1; i <= 10; i++) {
            tx.append("INSERT INTO k1 VALUES (").append(100 + i).append(", 'new');\n");
            String t = texts[i - 1].replace("'", "''");
            tx.append("UPDATE typed SET t = E'").append(t.replace("\\", "\\\\")).append("', vc = left(E'")
                    .append(t.replace("\\", "\\\\")).append("', 12), n = ").append(i).append(".25 * -1")
                    .append(", ts = '2026-12-0").append(i % 9 + 1).append(" 10:00:00.123456+05:30', d = '2026-01-")
                    .append(10 + i).append("', j = '{\"k\": [").append(i).append(", \"v\\\\u0041\"]}'")
                    .append(", m = '").append(i % 2 == 0 ? "happy" : "sad").append("', b = decode(md5('b").append(i)
                    .append("'), 'hex'), r = int4range(").append(i).append(", ").append(i * 3).append(")")
                    .append(", u = md5('").append(i).append("')::uuid WHERE id = ").append(i).append(";\n");
            if (i % 2 == 0) {
                tx.append("UPDATE typed SET t = NULL, vc = NULL, n = NULL, j = NULL, m = NULL WHERE id = ").append(i - 1).append(";\n");
            }
            if (i <= 3) {
                tx.append("UPDATE typed_arr SET a = ARRAY['x,y', 'q\"uote', NULL], bx = box '((1,2),(3,").append(i).append("))' WHERE id = ")
                        .append(i).append(";\n");
            }
            tx.append("DELETE FROM k1 WHERE id = ").append(i).append(";\n");
            tx.append("UPDATE other SET v = 'updated ").append(i).append("' WHERE id = ").append(i % 5 + 1).append(";\n");
        }
        RowApplier applied = applyAndCompare(List.of(tx.toString()), 2, false);
        // 40 held changes; the typed_arr UPDATEs (an array and a box) go alone and close the groups
        // before them, as does a row of typed or other seen again
        assertThat(applied.groups()[1]).as("changes applied in groups").isGreaterThanOrEqualTo(20);
        assertThat(applied.groups()[0]).as("statements for them").isLessThanOrEqualTo(applied.groups()[1] / 2);
    }

    @Test
    void updatesAndDeletesWithNoInsertsAroundThemAlsoGoInGroups() throws Exception {
        String tx = """
                UPDATE k1 SET v = 'updated' WHERE id BETWEEN 1 AND 10;
                DELETE FROM k1 WHERE id BETWEEN 11 AND 15;
                UPDATE other SET v = 'updated' WHERE id <= 3;
                INSERT INTO k1 VALUES (1001, 'after the groups');
                UPDATE k1 SET v = 'updated after its INSERT' WHERE id = 1001;
                DELETE FROM k1 WHERE id = 1;
                """;
        RowApplier applied = applyAndCompare(List.of(tx), 16, false);
        assertThat(applied.groups()).as("statements of several changes, and the changes in them")
                .containsExactly(3, 10 + 5 + 3);
    }

    @Test
    void aRowChangedTwiceBehindARunKeepsItsChangesInOrder() throws Exception {
        String tx = """
                INSERT INTO k1 VALUES (101, 'new'), (102, 'new');
                UPDATE k1 SET v = 'first' WHERE id = 1;
                UPDATE k1 SET v = 'x' WHERE id = 3;
                INSERT INTO k1 VALUES (103, 'new');
                UPDATE k1 SET v = 'second' WHERE id = 1;
                DELETE FROM k1 WHERE id = 3;
                UPDATE k1 SET v = 'y' WHERE id = 4;
                DELETE FROM k1 WHERE id = 5;
                INSERT INTO k1 VALUES (104, 'new');
                UPDATE k1 SET v = 'third' WHERE id = 1;
                DELETE FROM k1 WHERE id = 1;
                INSERT INTO k1 VALUES (105, 'new');
                """;
        RowApplier applied = applyAndCompare(List.of(tx), 2, false);
        assertThat(applied.groups()[0]).as("statements of several changes").isPositive();
    }

    @Test
    void aTriggerThatFiresDuringTheApplySeesEveryChangeInArrivalOrder() throws Exception {
        String tx = """
                INSERT INTO k1 VALUES (101, 'new'), (102, 'new');
                UPDATE k1 SET v = 'updated' WHERE id = 1;
                INSERT INTO k1 VALUES (103, 'new'), (104, 'new');
                DELETE FROM k1 WHERE id = 2;
                INSERT INTO k1 VALUES (105, 'new');
                """;
        applyAndCompare(List.of(tx), 2, true);
    }

    /**
     * Applies BEFORE, then each of {@code transactions}, from a slot into a copy of the tables, and
     * compares every table; with {@code loggingTrigger} an ENABLE ALWAYS trigger on the target's k1
     * logs each change, and the log must follow the source's order.
     */
    private RowApplier applyAndCompare(List<String> transactions, int copyFrom, boolean loggingTrigger) throws Exception {
        String src = lc.createDatabase(lc.source(), "hold_src").database();
        String dst = lc.createDatabase(lc.source(), "hold_dst").database();
        try (Connection s = lc.connect(lc.source(), src); Connection d = lc.connect(lc.source(), dst)) {
            exec(s, TABLES);
            exec(d, TABLES);
            for (Connection c : List.of(s, d)) {
                exec(c, "CREATE TABLE log (n serial PRIMARY KEY, change text)");
                exec(c, """
                        CREATE FUNCTION log_change() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                          INSERT INTO log (change) VALUES (TG_OP || ' ' || coalesce(OLD.id::text, '') || ' ' || coalesce(NEW.id::text, ''));
                          RETURN NULL;
                        END $$""");
                exec(c, "CREATE TRIGGER log_change AFTER INSERT OR UPDATE OR DELETE ON k1 FOR EACH ROW EXECUTE PROCEDURE log_change()");
            }
            if (loggingTrigger) {
                exec(d, "ALTER TABLE k1 ENABLE ALWAYS TRIGGER log_change");
            } else {
                exec(s, "DROP TRIGGER log_change ON k1");
                exec(d, "DROP TRIGGER log_change ON k1");
            }
            exec(s, "CREATE PUBLICATION held FOR TABLE k1, k2, other, typed, typed_arr");
            try (LogicalSlotReader slot = LogicalSlotReader.open(lc, src, lc.newName("hold_slot"), "held", Map.of())) {
                List<String> all = new ArrayList<>();
                all.add(BEFORE);
                all.addAll(transactions);
                s.setAutoCommit(false);
                for (String tx : all) {
                    exec(s, tx);
                    s.commit();
                }
                s.setAutoCommit(true);
                d.setAutoCommit(false);
                RowApplier applier = new RowApplier(d, copyFrom);
                try (applier) {
                    for (int i = 0; i < all.size(); i++) {
                        for (PgOutputMessage m : slot.nextTransaction()) {
                            applier.apply(m);
                        }
                    }
                    applier.flush(); // every transaction in one target transaction, as a backlog is applied
                    d.commit();
                    assertThat(applier.missing()).isEmpty();
                }
                for (String table : List.of("k1", "k2", "other", "typed", "typed_arr")) {
                    assertThat(column(d, "SELECT t::text FROM " + table + " t ORDER BY id")).as(table)
                            .isEqualTo(column(s, "SELECT t::text FROM " + table + " t ORDER BY id"));
                }
                if (loggingTrigger) {
                    assertThat(column(d, "SELECT change FROM log ORDER BY n")).as("the target trigger's log")
                            .isEqualTo(column(s, "SELECT change FROM log ORDER BY n"));
                }
                return applier;
            }
        }
    }
}
