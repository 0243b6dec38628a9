package org.fastcopy.generate;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.work.Workers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks on a few worker threads, each with its own connection, heaviest task first. The
 * first failure stops the others from taking new tasks and is reported once, naming the task;
 * every worker closes its connection in finally, so a failed stage leaves no session behind.
 * <p>
 * Each task runs in autocommit, so a worker never holds locks beyond its current statement: the
 * server's lock table (max_locks_per_transaction 64 by default) would not take thousands of
 * tables in one transaction.
 */
final class SqlWorkers {
    private static final Logger log = LoggerFactory.getLogger(SqlWorkers.class);

    /**
     * Commits need not wait for the WAL flush: a generated database is thrown away if the server
     * crashes mid-way, and thousands of small DDL commits would otherwise each wait for a fsync.
     */
    static final List<String> SESSION_SETTINGS = List.of("SET synchronous_commit = off",
            "SET maintenance_work_mem = '128MB'", "SET client_min_messages = warning");

    private final Connections connections;
    private final Endpoint database;
    private final int threads;

    SqlWorkers(Connections connections, Endpoint database, int threads) {
        this.connections = connections;
        this.database = database;
        this.threads = threads;
    }

    /** Opens a connection with the generator's session settings (caller closes it). */
    Connection open(String purpose) throws SQLException {
        Connection c = connections.open(database, "fastcopy-generate " + purpose);
        try (Statement st = c.createStatement()) {
            for (String setting : SESSION_SETTINGS) {
                st.execute(setting);
            }
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Runs every task on the workers; returns when all are done or throws the first failure. */
    void runAll(String stage, List<SqlTask> tasks) {
        runAll(stage, tasks, List.of());
    }

    /**
     * Runs the shared tasks on the workers, heaviest first, and each lane in order on one more
     * connection of its own, all at the same time. A lane is for work PostgreSQL serialises anyway
     * (foreign keys lock the referenced tables, rules lock the parent): one connection does it as
     * fast as several, and a second backend touching the same tables would only redo its catalog
     * cache work.
     */
    void runAll(String stage, List<SqlTask> shared, List<List<SqlTask>> lanes) {
        List<SqlTask> ordered = new ArrayList<>(shared);
        ordered.sort(Comparator.comparingLong(SqlTask::weight).reversed());
        AtomicInteger done = new AtomicInteger();
        int total = shared.size() + lanes.stream().mapToInt(List::size).sum();
        // Workers 1..n share the queue; each lane after them has a queue of its own.
        List<Queue<SqlTask>> queues = new ArrayList<>();
        Queue<SqlTask> queue = new ConcurrentLinkedQueue<>(ordered);
        int workers = shared.isEmpty() ? 0 : Math.min(threads, shared.size());
        for (int i = 0; i < workers; i++) {
            queues.add(queue);
        }
        for (List<SqlTask> lane : lanes) {
            queues.add(new ConcurrentLinkedQueue<>(lane));
        }
        if (queues.isEmpty()) {
            return;
        }
        Workers.named("generate-" + stage.replace(' ', '-'), queues.size()).stopWait(Duration.ZERO)
                .interruptedMessage("generate: interrupted during " + stage)
                .run(w -> {
                    work(w, stage, queues.get(w.index() - 1), done, total);
                    return null;
                });
    }

    private void work(Workers.Worker w, String stage, Queue<SqlTask> queue, AtomicInteger done, int total) {
        SqlTask task = null;
        long started = System.nanoTime();
        int mine = 0;
        try (Connection c = open(stage)) {
            while (!w.stopped() && (task = queue.poll()) != null) {
                task.action().run(c);
                mine++;
                int n = done.incrementAndGet();
                if (n % 500 == 0) {
                    log.info("{}: {} of {} done", stage, n, total);
                }
                task = null;
            }
            log.debug("{}: {} finished {} tasks in {} ms", stage, Thread.currentThread().getName(), mine,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (Throwable e) {
            // Anything, even an Error, is reported naming the task; the pool throws the first.
            String where = task == null ? stage + " (connecting)" : task.name();
            if (!w.stopped()) {
                log.error("generate: {} failed: {}", where, oneLine(e.getMessage()));
            }
            throw new Failure(where, e).toException();
        }
    }

    private static String oneLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** The first failure: where it happened and why. */
    private record Failure(String where, Throwable cause) {
        FastcopyException toException() {
            if (cause instanceof FastcopyException fe) {
                return fe;
            }
            String text = cause instanceof SQLException se ? ServerError.describe(se) : oneLine(cause.getMessage());
            return new FastcopyException(FastcopyException.FAILED, "generate: " + where + " failed: " + text, cause);
        }
    }
}
