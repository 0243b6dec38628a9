package org.fastcopy.analyze;

import org.fastcopy.pg.ServerError;
import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.work.Workers;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.fastcopy.util.Sql.qualified;

/**
 * ANALYZE of the tables the data workers left for last, spread over a few target sessions
 * (vacuumdb --analyze-only -j, in effect). Runs after post-data, so expression indexes and
 * extended statistics exist, and after every child is loaded, so parents sample whole trees.
 */
public final class FinalAnalyze {
    private FinalAnalyze() {
    }

    public static void run(Connections connections, Endpoint target, List<AnalyzePlan.Name> tables, int jobs) {
        if (tables.isEmpty()) {
            return;
        }
        ConcurrentLinkedQueue<AnalyzePlan.Name> queue = new ConcurrentLinkedQueue<>(tables);
        int n = Math.max(1, Math.min(jobs, tables.size()));
        // Not waiting on an interrupt: an ANALYZE in progress ignores it, and the caller's
        // signal handling cancels whatever statement is left.
        Workers.named("analyze", n).stopWait(Duration.ZERO).run(w -> {
            try (Connection c = connections.open(target, "fastcopy-analyze"); Statement st = c.createStatement()) {
                AnalyzePlan.Name t;
                while (!w.stopped() && (t = queue.poll()) != null) {
                    st.execute("ANALYZE " + qualified(t.schema(), t.name()));
                }
            } catch (SQLException e) {
                throw new FastcopyException(FastcopyException.FAILED, "analyze on " + target + ": " + ServerError.describe(e), e);
            }
            return null;
        });
    }
}
