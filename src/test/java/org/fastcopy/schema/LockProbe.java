package org.fastcopy.schema;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Measures, inside every schema transaction just before it commits, the shared lock-table slots its
 * session holds, and records the figure in a probe table on the target in that same transaction.
 *
 * <p>A slot is one PROCLOCK entry: one locked object of one backend, whatever modes it holds on it
 * (a TOAST table locked AccessExclusive by CREATE TABLE and Share by its index build is one slot,
 * two pg_locks rows). Fast-path locks (fastpath = true) live in the backend's own array, not in the
 * shared table, and do not count. The transaction's locks on objects are held until commit, so
 * the end of the transaction is its peak for everything the batching budgets; what it takes and
 * releases in between (catalogue tables and indexes, opened and closed around each catalogue
 * access, normally on the fast path) is what the phases' reserve of slots is for.
 *
 * <p>Why not a sampler on another connection: sampling races the DDL it watches, so its peak
 * depended on scheduling and load, it counted pg_locks rows (one per mode) rather than slots, and
 * it caught those transient catalogue locks whenever they left the fast path, which happens when any
 * session holds a strong lock whose tag hashes to the same fast-path partition (so it varied with
 * the OIDs of a fresh cluster). This probe sees every transaction, at the same point, exactly.
 */
final class LockProbe implements StepMarks, AutoCloseable {
    /** Integer columns only: no TOAST table whose lock the probe's own INSERT could add. */
    private static final String TABLE = "public.fastcopy_lock_probe";
    /** Counts the session's slots; the probe's own INSERT (its table, the pg_locks view) is left out. */
    private static final String RECORD = """
            INSERT INTO %1$s (slots, items)
            SELECT count(DISTINCT (locktype, database, relation, page, tuple, virtualxid, transactionid::text,
                                   classid, objid, objsubid)), %2$d
              FROM pg_catalog.pg_locks
             WHERE pid = pg_catalog.pg_backend_pid() AND NOT fastpath
               AND relation IS DISTINCT FROM '%1$s'::pg_catalog.regclass
               AND relation IS DISTINCT FROM 'pg_catalog.pg_locks'::pg_catalog.regclass;""";

    private final SchemaCopyHarness h;
    private boolean dropped;

    LockProbe(SchemaCopyHarness h) throws SQLException {
        this.h = h;
        try (Connection c = h.connectTarget(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + TABLE + " (slots int NOT NULL, items int NOT NULL)");
        }
    }

    @Override
    public String markSql(List<TocEntry> entries) {
        return RECORD.formatted(TABLE, entries.size());
    }

    int maxLocksPerTransaction() throws SQLException {
        try (Connection c = h.connectTarget(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW max_locks_per_transaction")) {
            rs.next();
            return Integer.parseInt(rs.getString(1));
        }
    }

    /** The most slots any one committed schema transaction held; 0 if none was probed. */
    int highest() throws SQLException {
        try (Connection c = h.connectTarget(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(max(slots), 0) FROM " + TABLE)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Drops the probe table, so that a schema comparison sees the copied schema alone. Idempotent. */
    @Override
    public void close() throws SQLException {
        if (!dropped) {
            try (Connection c = h.connectTarget(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE " + TABLE);
            }
            dropped = true;
        }
    }
}
