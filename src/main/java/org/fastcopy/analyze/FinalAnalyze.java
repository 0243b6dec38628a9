package org.fastcopy.analyze;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

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
        AtomicInteger ids = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> new Thread(r, "analyze-" + ids.incrementAndGet()));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    try (Connection c = connections.open(target, "fastcopy-analyze"); Statement st = c.createStatement()) {
                        AnalyzePlan.Name t;
                        while ((t = queue.poll()) != null) {
                            st.execute("ANALYZE " + qualified(t.schema(), t.name()));
                        }
                    } catch (SQLException e) {
                        throw new FastcopyException(FastcopyException.FAILED, "analyze on " + target + ": " + e.getMessage(), e);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, "analyze interrupted");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
