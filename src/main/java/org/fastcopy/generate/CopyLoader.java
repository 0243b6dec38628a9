package org.fastcopy.generate;

import static org.fastcopy.util.Sql.ident;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;
import org.fastcopy.pg.CopyGuard;
import org.postgresql.copy.CopyIn;

/**
 * Streams generated rows into one table with COPY ... FROM STDIN (text format). One COPY per
 * call, on the caller's connection; the caller parallelises over tables.
 */
final class CopyLoader {

    /** Writes all rows of one table into the buffer. */
    @FunctionalInterface
    interface RowSource {
        void writeRows(CopyBuffer out) throws SQLException;
    }

    private CopyLoader() {
    }

    /** Loads the rows, returns how many the server took. */
    static long load(Connection connection, String table, List<String> columns, RowSource source)
            throws SQLException {
        String sql = "COPY " + ident(table) + " ("
                + columns.stream().map(org.fastcopy.util.Sql::ident).collect(Collectors.joining(", "))
                + ") FROM STDIN";
        // A COPY left open keeps the connection busy and the table locked: the guard ends it on
        // every path, and a failing cancel never hides the error that got us there.
        try (CopyGuard<CopyIn> copy = CopyGuard.copyIn(connection, sql)) {
            CopyBuffer buffer = new CopyBuffer((bytes, length) -> copy.op().writeToCopy(bytes, 0, length));
            source.writeRows(buffer);
            buffer.flush();
            return copy.op().endCopy();
        }
    }
}
