package org.fastcopy.follow;

import org.fastcopy.testing.LogicalClusters;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small source database for the following tests, a writer that changes it, and the comparison
 * of source and target: every table's ordered rows by md5, and every sequence.
 *
 * <ul>
 * <li>{@code items}: serial key; the writer inserts, updates and deletes here;</li>
 * <li>{@code events}: no key, REPLICA IDENTITY FULL: a row applied twice would show as a duplicate;</li>
 * <li>{@code measure} and child {@code measure_2025}: a rule on the parent routes 2025 rows to the
 * child, and a trigger on the child logs each insert in {@code measure_log}; parent and child hold
 * the same ids, so an UPDATE or DELETE without ONLY, a rule or a trigger firing on the target
 * shows as a difference;</li>
 * <li>{@code scratch}: truncated while following.</li>
 * </ul>
 */
final class FollowFixture {
    static final List<String> TABLES = List.of("items", "events", "measure", "measure_2025", "measure_log", "scratch");

    private FollowFixture() {
    }

    static void create(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE items (id serial PRIMARY KEY, v text NOT NULL, n int NOT NULL, big text)");
            st.execute("INSERT INTO items (v, n) SELECT 'item ' || g, g FROM generate_series(1, 3000) g");
            st.execute("CREATE TABLE events (at int, what text)");
            st.execute("ALTER TABLE events REPLICA IDENTITY FULL");
            st.execute("INSERT INTO events SELECT g % 10, 'event' FROM generate_series(1, 200) g");
            st.execute("CREATE TABLE measure (id int PRIMARY KEY, at date NOT NULL, v int)");
            st.execute("CREATE TABLE measure_2025 (CHECK (at >= '2025-01-01')) INHERITS (measure)");
            st.execute("ALTER TABLE measure_2025 ADD PRIMARY KEY (id)");
            st.execute("CREATE RULE measure_route AS ON INSERT TO measure WHERE NEW.at >= '2025-01-01' "
                    + "DO INSTEAD INSERT INTO measure_2025 VALUES (NEW.*)");
            st.execute("CREATE SEQUENCE measure_ids START 1000");
            st.execute("CREATE TABLE measure_log (seq serial PRIMARY KEY, id int, note text)");
            st.execute("CREATE FUNCTION measure_logged() RETURNS trigger LANGUAGE plpgsql AS "
                    + "$$BEGIN INSERT INTO measure_log (id, note) VALUES (NEW.id, 'inserted'); RETURN NEW; END$$");
            st.execute("CREATE TRIGGER measure_2025_log AFTER INSERT ON measure_2025 FOR EACH ROW EXECUTE PROCEDURE measure_logged()");
            st.execute("INSERT INTO measure SELECT g, DATE '2024-06-01', g FROM generate_series(1, 100) g");
            st.execute("INSERT INTO measure SELECT g, DATE '2025-06-01', g FROM generate_series(1, 100) g");
            st.execute("CREATE TABLE scratch (id int PRIMARY KEY, v text)");
            st.execute("INSERT INTO scratch SELECT g, 'before' FROM generate_series(1, 500) g");
        }
    }

    /**
     * One transaction of {@code rows} random changes to items and events, and an insert through the
     * measure parent's rule; returns after its commit.
     */
    static void writeTransaction(Connection c, Random random, int rows) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            for (int i = 0; i < rows; i++) {
                int id = 1 + random.nextInt(3000);
                switch (random.nextInt(5)) {
                    case 0 -> st.execute("DELETE FROM items WHERE id = " + id);
                    case 1, 2 -> st.execute("UPDATE items SET n = n + 1, v = v || '.' WHERE id = " + id);
                    case 3 -> st.execute("INSERT INTO events VALUES (" + random.nextInt(10) + ", 'w')");
                    default -> st.execute("INSERT INTO items (v, n, big) VALUES ('new', " + id + ", "
                            + (random.nextInt(20) == 0 ? "repeat(md5('" + id + "'), 400)" : "NULL") + ")");
                }
            }
            st.execute("INSERT INTO measure VALUES (nextval('measure_ids'), DATE '2025-02-01', 1)");
            st.execute("UPDATE ONLY measure SET v = v + 1 WHERE id = " + (1 + random.nextInt(100)));
            st.execute("DELETE FROM events WHERE ctid = (SELECT ctid FROM events WHERE at = " + random.nextInt(10) + " LIMIT 1)");
        }
        c.commit();
        c.setAutoCommit(true);
    }

    /** A writer thread: transactions of 1 to 50 changes until stopped. */
    static final class Writer implements Runnable {
        private final Connection c;
        private final Random random;
        private final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong transactions = new AtomicLong();
        private volatile Throwable failure;
        private Thread thread;

        Writer(Connection c, long seed) {
            this.c = c;
            this.random = new Random(seed);
        }

        void start() {
            thread = new Thread(this, "follow-test-writer");
            thread.start();
        }

        @Override
        public void run() {
            try {
                while (!stop.get()) {
                    writeTransaction(c, random, 1 + random.nextInt(50));
                    transactions.incrementAndGet();
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** Stops after the transaction in flight; rethrows what the writer failed with. */
        void stop() throws Exception {
            stop.set(true);
            thread.join(60_000);
            if (failure != null) {
                throw new AssertionError("the writer failed", failure);
            }
        }
    }

    /** Every table's row count and md5 over its rows in a fixed order, and every sequence's state. */
    static Map<String, String> contents(Connection c) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement()) {
            for (String t : TABLES) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) || ' rows, md5 ' || coalesce(md5(string_agg(x::text, "
                        + "E'\\n' ORDER BY x::text)), '-') FROM ONLY " + t + " x")) {
                    rs.next();
                    out.put(t, rs.getString(1));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT 'items_id_seq ' || last_value || ' ' || is_called FROM items_id_seq")) {
                rs.next();
                out.put("items_id_seq", rs.getString(1));
            }
        }
        return out;
    }

    static boolean slotExists(LogicalClusters lc, String db, String slot) throws SQLException {
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'"
                     + " UNION ALL SELECT 1 FROM pg_publication")) {
            return rs.next();
        }
    }
}
