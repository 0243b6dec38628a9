package org.fastcopy.pg;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A transaction rolled back when the block ends, however it ends; declared before a
 * {@link CopyGuard} in the same try, it runs after the COPY is cancelled, and a failing rollback
 * is added to the body's (or the cancel's) error as suppressed. For read-only work whose
 * transaction holds only a snapshot: nothing is ever committed through it.
 */
public final class Rollback implements AutoCloseable {
    private final Connection connection;

    private Rollback(Connection connection) {
        this.connection = connection;
    }

    /** Turns autocommit off on {@code connection}, so the block runs in one transaction. */
    public static Rollback begin(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        return new Rollback(connection);
    }

    @Override
    public void close() throws SQLException {
        connection.rollback();
    }
}
