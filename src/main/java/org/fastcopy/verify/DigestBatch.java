package org.fastcopy.verify;

import org.fastcopy.plan.SourceTable;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

/**
 * Small tables' digest queries sent several to a round trip: over a network a count of a table
 * of ten rows costs a round trip and nothing else, and a schema of thousands of such tables pays
 * it thousands of times per side. PgJDBC sends the statements of one execute() with one Sync and
 * returns their results in order. A large table goes alone, so one worker does not take a whole
 * batch of long scans while the others idle.
 */
final class DigestBatch {
    /** Tables per round trip. */
    static final int MAX_TABLES = 32;
    /** Tables at most this large (on the source) share a round trip. */
    static final long SMALL_BYTES = 8L << 20;

    private DigestBatch() {
    }

    /** The next tables to digest together: one large table, or up to {@link #MAX_TABLES} small ones. */
    static List<SourceTable> take(Queue<SourceTable> queue) {
        List<SourceTable> out = new ArrayList<>();
        SourceTable t;
        while (out.size() < MAX_TABLES && (t = queue.poll()) != null) {
            out.add(t);
            if (t.bytes() > SMALL_BYTES) {
                break;
            }
        }
        return out;
    }

    /**
     * The digests of {@code sqls} in one round trip, in order; null if any of them failed (the
     * caller then runs them one by one, so the error names its table). A session inside a
     * transaction (the source's snapshot) runs the batch under a savepoint, rolled back to on
     * failure, so the transaction stays usable for that.
     */
    static List<TableDigest> run(Connection c, List<String> sqls) throws SQLException {
        boolean inTransaction = !c.getAutoCommit();
        String sql = String.join(";\n", sqls);
        if (inTransaction) {
            sql = "SAVEPOINT fastcopy_verify;\n" + sql + ";\nRELEASE SAVEPOINT fastcopy_verify";
        }
        List<TableDigest> out = new ArrayList<>(sqls.size());
        try (Statement st = c.createStatement()) {
            boolean isResult = st.execute(sql);
            while (true) {
                if (isResult) {
                    try (ResultSet rs = st.getResultSet()) {
                        rs.next();
                        out.add(new TableDigest(rs.getLong(1), rs.getBigDecimal(2).toBigIntegerExact()));
                    }
                } else if (st.getUpdateCount() == -1) {
                    break;
                }
                isResult = st.getMoreResults();
            }
        } catch (SQLException e) {
            if (inTransaction) {
                try (Statement st = c.createStatement()) {
                    st.execute("ROLLBACK TO SAVEPOINT fastcopy_verify; RELEASE SAVEPOINT fastcopy_verify");
                }
            }
            return null;
        }
        return out.size() == sqls.size() ? out : null;
    }
}
