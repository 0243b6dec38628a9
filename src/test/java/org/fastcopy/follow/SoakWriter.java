package org.fastcopy.follow;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The follow soak's writer on {@link FollowFixture}'s tables: transactions of 1 to 10,000 changed
 * rows (most small, some of hundreds, a few of thousands), each made of set-based statements that
 * insert, update and delete in items (some with TOASTed values), in the keyless events table, in
 * the measure parent (its rule routing 2025 rows into the child; UPDATE and DELETE through the
 * parent reaching the child's rows of the same ids) and directly in the child measure_2025 (whose
 * trigger logs into measure_log); now and then a TRUNCATE of scratch. One thread, so no deadlocks;
 * every statement and size drawn from its seed; after each transaction a pause that keeps it to
 * about {@code rowsPerSecond} on average.
 */
final class SoakWriter implements Runnable {
    private final Connection c;
    private final Random random;
    private final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong transactions = new AtomicLong();
    final AtomicLong rows = new AtomicLong();
    private volatile Throwable failure;
    private Thread thread;

    private final int rowsPerSecond;

    SoakWriter(Connection c, long seed, int rowsPerSecond) {
        this.c = c;
        this.random = new Random(seed);
        this.rowsPerSecond = rowsPerSecond;
    }

    void start() {
        thread = new Thread(this, "follow-soak-writer");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        try {
            c.setAutoCommit(false);
            while (!stop.get()) {
                transaction(size());
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** Stops after the transaction in flight (committed); rethrows what the writer failed with. */
    void stop() throws InterruptedException {
        stop.set(true);
        thread.join(120_000);
        if (thread.isAlive()) {
            throw new AssertionError("the soak writer did not stop within 120 s");
        }
        if (failure != null) {
            throw new AssertionError("the soak writer failed", failure);
        }
    }

    /** 1 to 20 rows mostly, up to 500 often, up to 10,000 now and then. */
    private int size() {
        int r = random.nextInt(100);
        if (r < 70) {
            return 1 + random.nextInt(20);
        }
        if (r < 95) {
            return 21 + random.nextInt(480);
        }
        return 501 + random.nextInt(9500);
    }

    private void transaction(int size) throws SQLException {
        try (Statement st = c.createStatement()) {
            int left = size;
            while (left > 0) {
                int m = 1 + random.nextInt(left);
                left -= m;
                st.execute(statement(m));
            }
            if (random.nextInt(100) == 0) {
                st.execute("TRUNCATE scratch");
                st.execute("INSERT INTO scratch SELECT g, 'again' FROM generate_series(1, " + (1 + random.nextInt(50)) + ") g");
            }
        }
        c.commit();
        transactions.incrementAndGet();
        rows.addAndGet(size);
        // A steady load, not a flood: on 2 shared cores an unthrottled writer outruns the apply and
        // every cutover would wait minutes for the backlog (not what the soak is about).
        try {
            Thread.sleep(size * 1000L / rowsPerSecond);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.set(true);
        }
    }

    /** One statement changing about {@code m} rows (fewer where fewer match). */
    private String statement(int m) {
        int from = 1 + random.nextInt(6_000);
        String itemIds = "(SELECT id FROM items WHERE id >= " + from + " ORDER BY id LIMIT " + m + ")";
        String measureIds = "(SELECT id FROM measure WHERE id >= " + (1 + random.nextInt(2_000)) + " ORDER BY id LIMIT " + m + ")";
        String childIds = "(SELECT id FROM measure_2025 WHERE id >= " + (1 + random.nextInt(2_000)) + " ORDER BY id LIMIT " + m + ")";
        return switch (random.nextInt(12)) {
            case 0, 1 -> "INSERT INTO items (v, n, big) SELECT 'w' || g, g, CASE WHEN g % 37 = 0 "
                    + "THEN repeat(md5(g::text), 400) END FROM generate_series(1, " + m + ") g";
            case 2 -> "UPDATE items SET n = n + 1, v = v || '.' WHERE id IN " + itemIds;
            case 3 -> "DELETE FROM items WHERE id IN " + itemIds;
            // few rows at a time: without a key each UPDATE or DELETE applied scans the table on the target
            case 4 -> "INSERT INTO events SELECT g % 10, 'w' FROM generate_series(1, " + Math.min(m, 20) + ") g";
            case 5 -> "DELETE FROM events WHERE ctid IN (SELECT ctid FROM events WHERE at = " + random.nextInt(10)
                    + " LIMIT " + Math.min(m, 20) + ")";
            // through the parent's rule: 2025 rows land in the child (and its trigger logs them), 2024 rows stay
            case 6 -> "INSERT INTO measure SELECT nextval('measure_ids'), DATE '" + (random.nextBoolean() ? "2025-02-01"
                    : "2024-02-01") + "', g FROM generate_series(1, " + m + ") g";
            // directly into the child
            case 7 -> "INSERT INTO measure_2025 SELECT nextval('measure_ids'), DATE '2025-04-01', g FROM generate_series(1, " + m + ") g";
            // through the parent: parent and child rows of the same ids
            case 8 -> "UPDATE measure SET v = v + 1 WHERE id IN " + measureIds;
            case 9 -> "UPDATE measure_2025 SET v = v - 1 WHERE id IN " + childIds;
            case 10 -> "DELETE FROM measure_2025 WHERE id IN " + childIds;
            default -> "DELETE FROM measure WHERE id IN " + measureIds;
        };
    }
}
