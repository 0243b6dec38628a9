package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.SqlStates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * One target connection that runs items. A batch goes in one transaction and one round trip;
 * when it fails, it is rolled back and its items rerun one per transaction, so the error names the
 * item that caused it. Deadlocks are retried: two sessions that each add a key touching the
 * other's table can deadlock, and the server then aborts one of them.
 *
 * <p>Why autocommit: PgJDBC sends the statements of one execute() with a single Sync, which the
 * server runs as one implicit transaction, committed or rolled back as a whole, so a batch costs
 * one round trip. An explicit transaction costs a second one for COMMIT, and round trips are what
 * DDL on small objects waits for: 6,068 pre-data items took 4.2 s one per round trip in
 * autocommit, 16.8 s with BEGIN/COMMIT around each, 2.9 s in batches of 64 (2 busy cores).
 *
 * <p>Why the simple protocol ({@link #DRIVER_SETTINGS}): in its default extended mode PgJDBC splits
 * the text on semicolons itself and sends each piece as a prepared statement, and its splitter does
 * not know SQL-standard bodies ({@code BEGIN ATOMIC ... END}, PostgreSQL 14+), so a function item
 * reached the server as two commands in one Parse ("cannot insert multiple commands into a
 * prepared statement"). In simple mode a plain Statement's text goes unsplit as one Query message:
 * the server's own parser, which pg_dump's output is written for, finds the statements, and runs
 * them as one implicit transaction, as before.
 *
 * <p>Not thread-safe, except {@link #cancel()}, which another thread calls to stop a long
 * statement (an index build) when the run fails elsewhere.
 */
final class DdlSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DdlSession.class);
    private static final Set<String> RETRYABLE = Set.of(SqlStates.DEADLOCK_DETECTED, SqlStates.SERIALIZATION_FAILURE,
            SqlStates.LOCK_NOT_AVAILABLE);
    private static final int ATTEMPTS = 5;
    /** Driver settings of a session's connection: see the class comment. */
    private static final Map<String, String> DRIVER_SETTINGS = Map.of("preferQueryMode", "simple");
    /**
     * PgJDBC must own client_encoding (it talks UTF-8 and refuses any other); pg_dump ran with
     * --encoding=UTF8 anyway, and the server converts to the target database's encoding.
     */
    private static final String CLIENT_ENCODING = "client_encoding";

    private final Connection connection;
    private final Statement statement;
    private final String phase;
    private final StepMarks marks;
    private SessionSettings applied = SessionSettings.EMPTY;
    private int retries;

    /**
     * Opens a session on its own connection to the target.
     *
     * @param phase    names the phase in messages ("pre-data", "post-data")
     * @param marks    SQL appended to every batch so that its items are recorded in its transaction
     * @param setupSql run once when the session opens (e.g. SET maintenance_work_mem for index builds)
     */
    static DdlSession open(Connections connections, Endpoint target, String applicationName, String phase,
                           StepMarks marks, String setupSql) {
        return new DdlSession(connections.open(target, applicationName, DRIVER_SETTINGS), phase, marks, setupSql);
    }

    private DdlSession(Connection connection, String phase, StepMarks marks, String setupSql) {
        this.connection = connection;
        this.phase = phase;
        this.marks = marks;
        try {
            connection.setAutoCommit(true);
            statement = connection.createStatement();
            // DDL text is PostgreSQL's, not JDBC's: {fn ...} or {d ...} in it must stay as written
            statement.setEscapeProcessing(false);
            if (!setupSql.isBlank()) {
                statement.execute(setupSql);
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, phase + ": cannot prepare a target session: "
                    + ServerError.describe(e), e);
        }
    }

    /** Deadlock retries so far. */
    int retries() {
        return retries;
    }

    /**
     * Runs the items in order in one transaction.
     *
     * @throws FastcopyException naming the failing item, with the SQLException as cause
     */
    void run(List<TocEntry> batch) throws InterruptedException {
        applySettings(batch.get(0).settings());
        String sql = batch.stream().map(TocEntry::sql).filter(s -> !s.isBlank()).collect(Collectors.joining("\n"));
        if (sql.isEmpty()) {
            return;
        }
        SQLException failure = attempt(sql + marked(batch));
        if (failure == null) {
            return;
        }
        if (batch.size() == 1) {
            throw failed(batch.get(0), failure);
        }
        log.debug("{}: a batch of {} items failed ({}); rerunning them one by one", phase, batch.size(),
                ServerError.describe(failure));
        for (TocEntry e : batch) {
            if (!e.sql().isBlank()) {
                SQLException f = attempt(e.sql() + marked(List.of(e)));
                if (f != null) {
                    throw failed(e, f);
                }
            }
        }
    }

    private String marked(List<TocEntry> entries) {
        String m = marks.markSql(entries);
        return m.isEmpty() ? "" : "\n" + m;
    }

    /** @return null when committed, else the error that remained after the retries */
    private SQLException attempt(String sql) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                statement.execute(sql);
                return null;
            } catch (SQLException e) {
                if (!RETRYABLE.contains(e.getSQLState()) || attempt == ATTEMPTS) {
                    return e;
                }
                retries++;
                log.debug("{}: retrying after {} (attempt {})", phase, ServerError.describe(e), attempt);
                // Randomised so that the two sides of a deadlock do not meet again in step.
                Thread.sleep(ThreadLocalRandom.current().nextLong(10, 50L * attempt));
            }
        }
    }

    private void applySettings(SessionSettings wanted) {
        List<String> changes = wanted.changesFrom(applied);
        changes.removeIf(s -> CLIENT_ENCODING.equals(RestoreScriptParser.sessionSetting(s)));
        if (!changes.isEmpty()) {
            try {
                statement.execute(String.join("\n", changes));
            } catch (SQLException e) {
                throw new FastcopyException(FastcopyException.FAILED, phase + ": cannot set up the session ("
                        + ServerError.describe(e) + "): " + String.join(" ", changes), e);
            }
        }
        applied = wanted.appliedOver(applied);
    }

    /** Cancels the running statement, if any; safe from any thread. */
    void cancel() {
        try {
            statement.cancel();
        } catch (SQLException e) {
            // the statement may have finished in between; nothing to cancel then
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing a connection whose server went away: nothing left to release
        }
    }

    private FastcopyException failed(TocEntry e, SQLException cause) {
        return new FastcopyException(FastcopyException.FAILED, phase + ": " + e.describe() + " failed: "
                + ServerError.describe(cause), cause);
    }

}
