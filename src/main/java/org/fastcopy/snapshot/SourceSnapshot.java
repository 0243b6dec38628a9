package org.fastcopy.snapshot;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.SqlStates;
import org.fastcopy.plan.SourceCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.fastcopy.util.Sql.literal;
import static org.fastcopy.util.Sql.qualified;

/**
 * One consistent view of the source for the whole run. A dedicated session opens a REPEATABLE READ
 * transaction, exports its snapshot and keeps the transaction open until {@link #close()}: an
 * exported snapshot can be imported only while the exporting transaction lives, so this session
 * must outlast every worker and the schema dump. Rows committed on the source after the export are
 * invisible to everything that imports it.
 */
public final class SourceSnapshot implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SourceSnapshot.class);
    private static final int ATTEMPTS = 3;
    /**
     * How long a session reading through the snapshot waits for a table lock. The snapshot holds
     * ACCESS SHARE on every table, so no one can hold a lock that blocks a reader; a reader waits
     * only when someone asked for ACCESS EXCLUSIVE (TRUNCATE, ALTER TABLE, ...) after the
     * snapshot: that request waits for the snapshot's lock, and every later request queues behind
     * it. The run would wait for itself through the server, so it stops instead, naming the
     * session in the way ({@link #lockWaitersSql}).
     */
    public static final String LOCK_TIMEOUT = "5s";
    /** Table names per LOCK statement: keeps each statement's text small. */
    private static final int LOCK_BATCH = 500;
    private final Connection holder;
    private final String id;

    /** Imported from a replication slot: no table locks, and what the source changes after it arrives in the stream. */
    private final boolean fromSlot;

    private SourceSnapshot(Connection holder, String id, boolean fromSlot) {
        this.holder = holder;
        this.id = id;
        this.fromSlot = fromSlot;
    }

    /**
     * Tables (schema.name) truncated or rewritten after a snapshot imported from a replication slot
     * (which holds no locks): pg_class read through the snapshot has the old file node,
     * pg_relation_filenode() the current catalogue's. Their rows read through the snapshot depend
     * on when they were read (TRUNCATE is not MVCC-safe), so the copy and the verify may disagree,
     * and the stream carries the TRUNCATE. Empty for any other snapshot: a rewrite there is no
     * excuse for a difference.
     */
    public Set<String> rewrittenSince() {
        Set<String> out = new java.util.TreeSet<>();
        if (!fromSlot) {
            return out;
        }
        try (Statement st = holder.createStatement(); ResultSet rs = st.executeQuery("SELECT n.nspname || '.' || c.relname"
                + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE c.relkind = 'r' AND c.relfilenode <> 0"
                + " AND pg_catalog.pg_relation_filenode(c.oid) IS DISTINCT FROM c.relfilenode")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "reading the source tables rewritten since snapshot "
                    + id + ": " + ServerError.describe(e), e);
        }
        return out;
    }

    /**
     * Exports a snapshot on {@code holder} (which this object then owns and closes) after taking
     * ACCESS SHARE locks on every table the copy reads, held until {@link #close()}, as pg_dump
     * does. Why: TRUNCATE (and the rewrites of VACUUM FULL, CLUSTER, ALTER TABLE) are not
     * MVCC-safe. A table truncated after the export would read as empty through this older
     * snapshot, and the verify, reading through the same snapshot, would agree: an empty table on
     * the target and nobody told. The locks make such a statement wait until the run ends.
     *
     * <p>LOCK TABLE is one of the few statements that do not fix a REPEATABLE READ transaction's
     * snapshot, so the locks come first and the snapshot second: no rewrite can slip in between.
     * Tables created after the list was read are locked once the snapshot exists and checked for
     * a rewrite in that window (their file node in the snapshot against the current one). A table
     * dropped in between fails the LOCK; the whole step is tried again.
     *
     * <p>All locks are held together until the run ends, so the source's shared lock table
     * (max_locks_per_transaction x max_connections slots) must have room for one per table; when
     * it has not, the error says which setting to raise.
     */
    public static SourceSnapshot exportLocked(Connection holder) {
        for (int attempt = 1; ; attempt++) {
            try {
                holder.setAutoCommit(true);
                List<SourceCatalog.TableRef> tables = SourceCatalog.tableRefs(holder);
                holder.setAutoCommit(false);
                try (Statement st = holder.createStatement()) {
                    st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                    lock(st, tables);
                    String id;
                    try (ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_export_snapshot()")) {
                        rs.next();
                        id = rs.getString(1);
                    }
                    Set<Long> locked = new HashSet<>();
                    tables.forEach(t -> locked.add(t.oid()));
                    List<SourceCatalog.TableRef> late = SourceCatalog.tableRefs(holder).stream()
                            .filter(t -> !locked.contains(t.oid())).toList();
                    if (!late.isEmpty()) {
                        lock(st, late);
                        String rewritten = rewrittenSinceSnapshot(holder, late);
                        if (rewritten != null) {
                            throw new Retry(rewritten + " was created and then truncated or rewritten while the snapshot was taken");
                        }
                    }
                    log.info("snapshot {} exported; {} source tables locked in ACCESS SHARE mode until the run ends",
                            id, tables.size() + late.size());
                    return new SourceSnapshot(holder, id, false);
                }
            } catch (SQLException e) {
                rollbackQuietly(holder);
                if (SqlStates.OUT_OF_MEMORY.equals(e.getSQLState())) {
                    closeQuietly(holder);
                    throw new FastcopyException(FastcopyException.FAILED, "locking the source's tables for the snapshot "
                            + "ran out of lock slots (" + ServerError.describe(e) + "): raise max_locks_per_transaction on the "
                            + "source (the lock table holds max_locks_per_transaction x max_connections)", e);
                }
                if (!SqlStates.UNDEFINED_TABLE.equals(e.getSQLState()) || attempt == ATTEMPTS) {
                    closeQuietly(holder);
                    throw new FastcopyException(FastcopyException.FAILED, "could not export a snapshot on the source: "
                            + ServerError.describe(e), e);
                }
                log.info("a source table was dropped while the snapshot was taken ({}); taking it again", e.getMessage());
            } catch (Retry r) {
                rollbackQuietly(holder);
                if (attempt == ATTEMPTS) {
                    closeQuietly(holder);
                    throw new FastcopyException(FastcopyException.FAILED, "could not export a snapshot on the source: "
                            + r.getMessage());
                }
                log.info("{}; taking the snapshot again", r.getMessage());
            }
        }
    }

    private static void lock(Statement st, List<SourceCatalog.TableRef> tables) throws SQLException {
        // ONLY: an inheritance parent's children are in the list themselves, one lock each.
        for (int i = 0; i < tables.size(); i += LOCK_BATCH) {
            String names = tables.subList(i, Math.min(tables.size(), i + LOCK_BATCH)).stream()
                    .map(t -> "ONLY " + qualified(t.schema(), t.name())).collect(Collectors.joining(", "));
            st.execute("LOCK TABLE " + names + " IN ACCESS SHARE MODE");
        }
    }

    /**
     * A table whose storage changed after the snapshot: pg_class read through the snapshot holds
     * the old file node, pg_relation_filenode() reads the current catalogue.
     */
    private static String rewrittenSinceSnapshot(Connection holder, List<SourceCatalog.TableRef> tables) throws SQLException {
        Long[] oids = tables.stream().map(SourceCatalog.TableRef::oid).toArray(Long[]::new);
        try (PreparedStatement ps = holder.prepareStatement("SELECT c.oid::regclass::text FROM pg_catalog.pg_class c"
                + " WHERE c.oid = ANY (?::pg_catalog.oid[])"
                + " AND pg_catalog.pg_relation_filenode(c.oid) IS DISTINCT FROM c.relfilenode LIMIT 1")) {
            ps.setArray(1, holder.createArrayOf("int8", oids));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Exports a snapshot on {@code holder}, which this object then owns and closes; takes no locks. */
    public static SourceSnapshot export(Connection holder) {
        try {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                try (ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_export_snapshot()")) {
                    rs.next();
                    return new SourceSnapshot(holder, rs.getString(1), false);
                }
            }
        } catch (SQLException e) {
            closeQuietly(holder);
            throw new FastcopyException(FastcopyException.FAILED, "could not export a snapshot on the source: "
                    + ServerError.describe(e), e);
        }
    }

    /**
     * A snapshot exported elsewhere (by CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT on a replication
     * connection that stays open and idle meanwhile), imported into {@code holder}, which this
     * object then owns and closes. No table locks: a following copy carries a TRUNCATE that
     * commits after the snapshot through the change stream, and locks held for the whole copy
     * would make such a TRUNCATE on the source wait, and every writer queue behind it.
     */
    public static SourceSnapshot imported(Connection holder, String id) {
        SourceSnapshot s = new SourceSnapshot(holder, id, true);
        try {
            s.importInto(holder);
        } catch (RuntimeException e) {
            closeQuietly(holder);
            throw e;
        }
        log.info("snapshot {} imported from the replication slot", id);
        return s;
    }

    /** The id that pg_dump --snapshot and SET TRANSACTION SNAPSHOT take. */
    public String id() {
        return id;
    }

    /**
     * Puts {@code worker} into a read-only REPEATABLE READ transaction that sees exactly this
     * snapshot. The worker keeps that transaction for all the units it copies.
     */
    public void importInto(Connection worker) {
        try {
            worker.setAutoCommit(false);
            try (Statement st = worker.createStatement()) {
                // SET TRANSACTION SNAPSHOT must come before any query of the transaction.
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                st.execute("SET TRANSACTION SNAPSHOT " + literal(id));
                st.execute("SET LOCAL lock_timeout = " + literal(LOCK_TIMEOUT));
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not import source snapshot " + id + ": "
                    + ServerError.describe(e), e);
        }
    }

    /**
     * A query naming the sessions waiting for a conflicting lock on a table ({@code ?}: its
     * schema-qualified, quoted name): pid, lock mode and query, one row each.
     */
    public static String lockWaitersSql() {
        return "SELECT l.pid, l.mode, left(regexp_replace(a.query, '\\s+', ' ', 'g'), 80)"
                + " FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a USING (pid)"
                + " WHERE l.locktype = 'relation' AND l.relation = ?::regclass AND NOT l.granted"
                + " AND l.mode = 'AccessExclusiveLock'";
    }

    /** The holder session itself, already inside the snapshot (used for catalogue reads). */
    public Connection holder() {
        return holder;
    }

    @Override
    public void close() {
        try {
            holder.rollback();
        } catch (SQLException e) {
            // the connection may already be gone; closing below releases the snapshot anyway
        }
        closeQuietly(holder);
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // a broken session: closing it ends the transaction
        }
    }

    /** A snapshot that must be taken again; never leaves this class. */
    private static final class Retry extends Exception {
        Retry(String message) {
            super(message, null, false, false);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // nothing left to release
        }
    }
}
