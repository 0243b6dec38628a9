package org.fastcopy.snapshot;

import org.fastcopy.FastcopyException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.fastcopy.util.Sql.literal;

/**
 * One consistent view of the source for the whole run. A dedicated session opens a REPEATABLE READ
 * transaction, exports its snapshot and keeps the transaction open until {@link #close()}: an
 * exported snapshot can be imported only while the exporting transaction lives, so this session
 * must outlast every worker and the schema dump. Rows committed on the source after the export are
 * invisible to everything that imports it.
 */
public final class SourceSnapshot implements AutoCloseable {
    private final Connection holder;
    private final String id;

    private SourceSnapshot(Connection holder, String id) {
        this.holder = holder;
        this.id = id;
    }

    /** Exports a snapshot on {@code holder}, which this object then owns and closes. */
    public static SourceSnapshot export(Connection holder) {
        try {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                try (ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_export_snapshot()")) {
                    rs.next();
                    return new SourceSnapshot(holder, rs.getString(1));
                }
            }
        } catch (SQLException e) {
            closeQuietly(holder);
            throw new FastcopyException(FastcopyException.FAILED, "could not export a snapshot on the source: " + e.getMessage(), e);
        }
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
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not import source snapshot " + id + ": " + e.getMessage(), e);
        }
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

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // nothing left to release
        }
    }
}
