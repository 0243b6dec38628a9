package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.ServerError;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * How much one transaction may hold.
 *
 * @param maxEntries items per transaction (and per round trip)
 * @param maxLocks   estimated lock-table slots per transaction. Keeping every transaction within
 *                   max_locks_per_transaction means the shared lock table (sized
 *                   max_locks_per_transaction x max_connections) cannot run out because of us,
 *                   whatever else the server does.
 * @param locks      the estimate per item
 * @param groupOnly  a batch holds items of one lock group only (or one item without a group): a
 *                   batch marks every group it touches busy, and an unrelated slow item (an index
 *                   build) in it would hold the others' groups for its whole duration
 */
record BatchLimit(int maxEntries, int maxLocks, LockEstimate locks, boolean groupOnly) {

    /** One item per transaction. */
    static final BatchLimit SINGLE = new BatchLimit(1, Integer.MAX_VALUE, (e, groupInBatch) -> 1);

    BatchLimit(int maxEntries, int maxLocks, LockEstimate locks) {
        this(maxEntries, maxLocks, locks, false);
    }

    BatchLimit {
        if (maxEntries < 1 || maxLocks < 1) {
            throw new IllegalArgumentException("batch limits must be positive: " + maxEntries + " items, " + maxLocks + " locks");
        }
    }

    /** The target's max_locks_per_transaction, the budget each phase takes its reserve from. */
    static int serverMaxLocks(Connections connections, Endpoint target, String applicationName) {
        try (Connection c = connections.open(target, applicationName);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('max_locks_per_transaction')::int")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cannot read max_locks_per_transaction on " + target + ": "
                    + ServerError.describe(e), e);
        }
    }

    /** Lock-table slots an item adds to a batch. */
    @FunctionalInterface
    interface LockEstimate {
        /**
         * @param groupInBatch an item of the same lock group is already in the batch, so the lock
         *                     on the group's table is already counted
         */
        int locks(TocEntry e, boolean groupInBatch);
    }
}
