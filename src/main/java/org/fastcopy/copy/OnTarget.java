package org.fastcopy.copy;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Short pieces of work on the target database (the ledger, a setting, a small read), each on a
 * session of its own that is closed at once: nothing the orchestrator does holds a target session
 * across steps. A failure names the target.
 */
final class OnTarget {
    interface SqlFunction<T> {
        T apply(Connection c) throws SQLException;
    }

    interface SqlAction {
        void run(Connection c) throws SQLException;
    }

    private final Connections connections;
    private final Endpoint target;

    OnTarget(Connections connections, Endpoint target) {
        this.connections = connections;
        this.target = target;
    }

    <T> T apply(SqlFunction<T> f) {
        try (Connection c = connections.open(target, "fastcopy")) {
            return f.apply(c);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, target + ": " + e.getMessage(), e);
        }
    }

    void run(SqlAction f) {
        apply(c -> {
            f.run(c);
            return null;
        });
    }
}
