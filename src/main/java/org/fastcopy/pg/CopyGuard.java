package org.fastcopy.pg;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOperation;
import org.postgresql.copy.CopyOut;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A COPY that is cancelled when the block that started it ends, however it ends:
 * <pre>{@code
 * try (CopyGuard<CopyIn> copy = CopyGuard.copyIn(connection, sql)) {
 *     copy.op().writeToCopy(...);
 *     return copy.op().endCopy();
 * }
 * }</pre>
 * After endCopy (or the last readFromCopy) the COPY is no longer active and close does nothing.
 * If the body threw, a failing cancel is added to that error as suppressed (try-with-resources
 * does this), so the first error wins; if the body left the COPY active without an error (a
 * sample that stops early), close cancels and only a failure of the cancel itself is thrown.
 */
public final class CopyGuard<T extends CopyOperation> implements AutoCloseable {
    private final T op;
    private final Connection connection;

    private CopyGuard(T op, Connection connection) {
        this.op = op;
        this.connection = connection;
    }

    /** Guards a COPY the caller started; {@code connection} is the one it runs on. */
    public static <T extends CopyOperation> CopyGuard<T> of(T op, Connection connection) {
        return new CopyGuard<>(op, connection);
    }

    /** Starts COPY ... FROM STDIN on {@code connection}. */
    public static CopyGuard<CopyIn> copyIn(Connection connection, String sql) throws SQLException {
        return of(connection.unwrap(PGConnection.class).getCopyAPI().copyIn(sql), connection);
    }

    /** Starts COPY ... TO STDOUT on {@code connection}. */
    public static CopyGuard<CopyOut> copyOut(Connection connection, String sql) throws SQLException {
        return of(connection.unwrap(PGConnection.class).getCopyAPI().copyOut(sql), connection);
    }

    public T op() {
        return op;
    }

    @Override
    public void close() throws SQLException {
        SQLException e = CopyCancel.cancel(op, connection);
        if (e != null) {
            throw e;
        }
    }
}
