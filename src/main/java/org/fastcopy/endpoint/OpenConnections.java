package org.fastcopy.endpoint;

import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Every connection {@link Connections#open} handed out in this JVM, weakly held: what a stop on a
 * signal cancels and closes when the steps did not get to it in time. Why cancel before closing:
 * a backend notices a closed client only when it next reads or writes its socket, so an index
 * build or an ANALYZE would run on to its end on the server after fastcopy is gone.
 */
public final class OpenConnections {
    private static final Set<Connection> OPEN = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private OpenConnections() {
    }

    static Connection track(Connection c) {
        OPEN.add(c);
        return c;
    }

    /**
     * Cancels the statement of every connection still open and closes its socket under it
     * (Connection.abort: no lock, no goodbye, so it cannot hang on a thread inside the driver).
     *
     * @return how many connections were still open
     */
    public static int cancelAndAbortAll() {
        List<Connection> all;
        synchronized (OPEN) {
            all = new ArrayList<>(OPEN);
        }
        int n = 0;
        for (Connection c : all) {
            try {
                if (c.isClosed()) {
                    continue;
                }
                n++;
                c.unwrap(PGConnection.class).cancelQuery();
            } catch (SQLException e) {
                // not cancellable (already broken): the abort below still closes it
            }
            try {
                c.abort(Runnable::run);
            } catch (SQLException e) {
                // the process is going away; the server sees the socket close either way
            }
        }
        return n;
    }
}
