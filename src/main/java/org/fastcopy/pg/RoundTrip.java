package org.fastcopy.pg;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The round trip to a server as a session sees it: the quickest of five {@code SELECT 1}. The
 * quickest, not the mean, because what is wanted is the network's share, not a moment the server
 * or this machine was busy. What pays a round trip per statement sizes itself from it (the
 * follower's held changes and commits, the copy's post-data sessions).
 */
public final class RoundTrip {
    private static final int PROBES = 5;

    private RoundTrip() {
    }

    public static long nanos(Connection c) throws SQLException {
        long best = Long.MAX_VALUE;
        try (Statement st = c.createStatement()) {
            for (int i = 0; i < PROBES; i++) {
                long t0 = System.nanoTime();
                st.execute("SELECT 1");
                best = Math.min(best, System.nanoTime() - t0);
            }
        }
        return best;
    }
}
