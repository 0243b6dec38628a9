package org.fastcopy.load;

import org.fastcopy.pg.ServerError;
import org.fastcopy.FastcopyException;
import org.fastcopy.analyze.AfterLoad;
import org.fastcopy.data.CopyResult;
import org.fastcopy.data.CopyUnit;
import org.fastcopy.data.EncodingErrors;
import org.fastcopy.data.StreamCopier;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import static org.fastcopy.util.Sql.qualified;

/**
 * One worker's two sessions (a source session inside the shared snapshot, a target session) and
 * its {@link StreamCopier}, never shared; and what one unit does on them. Each unit is one target
 * transaction: TRUNCATE (whole tables, unless small and empty, so the COPY can FREEZE), COPY,
 * ledger mark, COMMIT. A crash leaves the unit either committed and marked or absent. Sessions
 * open on first use and after {@link #close()}, which is how a retry gets fresh ones.
 */
final class UnitLoader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DataPhase.class);

    /**
     * Tables from this size (main fork and TOAST, as planned) are always truncated and frozen:
     * below it the TRUNCATE costs the target more than the later VACUUM would spend freezing.
     */
    static final long FREEZE_FROM_BYTES = 1L << 20;

    private final int id;
    private final LoadSetup setup;
    private final StreamCopier copier;
    private Connection src;
    private Connection dst;

    UnitLoader(int id, LoadSetup setup) {
        this.id = id;
        this.setup = setup;
        this.copier = new StreamCopier(id, setup.settings(), setup.progress());
    }

    /**
     * The unit as the attempt before committed it, or null. A connection that breaks during
     * COMMIT (the target shutting down, the network) leaves the client unsure whether the server
     * committed; the ledger mark, committed with the rows, says. Copying it again would fail on
     * that mark after a full COPY, and give up a unit that is in fact done.
     */
    CopyResult committedBefore(PlannedUnit u) {
        open();
        try {
            Optional<long[]> done = Ledger.unitDone(dst, u.key());
            if (done.isEmpty()) {
                return null;
            }
            long invalid = Ledger.get(dst, InvalidRows.key(u.key())).map(InvalidRows::count).orElse(0L);
            dst.rollback();
            log.info("{}: the attempt before was committed on the target after all; not copied again", u.unit().label());
            long rows = done.get()[0];
            long sent = setup.encodingErrors() == EncodingErrors.SKIP ? rows + invalid : rows;
            return new CopyResult(u.unit(), u.format(), rows, sent, done.get()[1], 0, 0, 0, invalid);
        } catch (SQLException e) {
            rollbackQuietly();
            throw new FastcopyException(FastcopyException.FAILED, u.unit().label() + ": reading the ledger on the target: "
                    + ServerError.describe(e), e);
        }
    }

    /** Copies the unit and commits it with its ledger mark. */
    CopyResult copy(PlannedUnit u) {
        open();
        CopyUnit unit = u.unit();
        try {
            boolean freeze = !unit.isChunk() && truncateFirst(u);
            if (freeze) {
                // Empties the table (units commit whole, so only a table filled by someone else
                // is not empty) and lets COPY ... FREEZE write rows already frozen, which saves
                // the target a full rewrite by VACUUM later.
                try (Statement st = dst.createStatement()) {
                    st.execute("TRUNCATE ONLY " + qualified(unit.targetSchema(), unit.targetTable()));
                }
            }
            CopyResult r = copier.copy(unit, src, dst, u.format(), freeze, setup.encodingErrors());
            if (r.rows() != r.expectedRows(setup.encodingErrors())) {
                throw new FastcopyException(FastcopyException.FAILED, unit.label() + ": the source sent " + r.sourceRows()
                        + " rows but the target kept " + r.rows() + " (a trigger or rule on the target table?)");
            }
            // The mark, the invalid-row count, the statistics flush and COMMIT in one round trip:
            // over a network a unit's fixed cost is its round trips, and a schema of many small
            // tables pays it once per table. PgJDBC sends the statements of one execute() with one
            // Sync; the first failure skips the rest, COMMIT included, and the catch rolls back.
            StringBuilder end = new StringBuilder(Ledger.markUnitDoneSql(u.key(), r.rows(), r.bytes()));
            if (r.invalidRows() > 0) {
                // Committed with the rows, so a resumed run can still explain this table's difference.
                end.append(Ledger.putSql(InvalidRows.key(u.key()), InvalidRows.value(u.table().displayName(), r.invalidRows())));
            }
            if (setup.afterLoad() != null) {
                end.append(AfterLoad.FLUSH_STATS).append(';');
            }
            end.append("COMMIT");
            try (Statement st = dst.createStatement()) {
                st.execute(end.toString());
            }
            dst.commit(); // a no-op after the COMMIT above (the driver sees the session idle)
            return r;
        } catch (SQLException e) {
            rollbackQuietly();
            throw new FastcopyException(FastcopyException.FAILED, unit.label() + ": on the target: " + ServerError.describe(e), e);
        } catch (RuntimeException e) {
            rollbackQuietly();
            throw e;
        }
    }

    /**
     * Whether a whole table is truncated (and its COPY frozen) before the load. A small table is
     * not when it is empty already, which one cheap query says: TRUNCATE gives the table new
     * files and schedules the old ones' removal, about a millisecond of the target's CPU and file
     * system work each, and at commit the server scans its buffer pool for the old files' pages.
     * On a schema of thousands of small tables that was a fifth of the data phase's server time,
     * and freezing a few pages saves VACUUM nothing worth it. A table with rows is truncated
     * whatever its size, so a hand-filled target still ends with the source's rows only.
     */
    private boolean truncateFirst(PlannedUnit u) throws SQLException {
        if (u.estimatedBytes() >= FREEZE_FROM_BYTES) {
            return true;
        }
        CopyUnit unit = u.unit();
        try (Statement st = dst.createStatement();
             ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT FROM ONLY "
                     + qualified(unit.targetSchema(), unit.targetTable()) + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * Runs the statistics command (ANALYZE or VACUUM (ANALYZE)) on the unit's table. Cheap: COPY
     * FREEZE left the pages frozen and all-visible, and there are no indexes yet. A failure loses
     * no data, so it is a warning, and the table is left to the final ANALYZE; false then.
     */
    boolean statistics(PlannedUnit u, String command) {
        CopyUnit unit = u.unit();
        try {
            dst.setAutoCommit(true); // VACUUM refuses to run inside a transaction block
            try (Statement st = dst.createStatement()) {
                st.execute(command + " " + qualified(unit.targetSchema(), unit.targetTable()));
            }
            dst.setAutoCommit(false);
            return true;
        } catch (SQLException e) {
            log.warn("{}: {} after the load failed, leaving it to the final ANALYZE: {}",
                    u.table().displayName(), command, ServerError.describe(e));
            close();
            return false;
        }
    }

    private void open() {
        try {
            if (src == null) {
                src = setup.connections().open(setup.source(), "fastcopy-copy-" + id);
                setup.snapshot().importInto(src);
                // An empty search_path on both sides, as pg_dump and its restore script use: text
                // COPY prints a regclass, regtype, ... schema-qualified unless its schema is on the
                // path, and the target would read an unqualified name against its own path.
                try (Statement st = src.createStatement()) {
                    st.execute("SET LOCAL search_path = ''");
                }
            }
            if (dst == null) {
                dst = setup.connections().open(setup.target(), "fastcopy-copy-" + id);
                try (Statement st = dst.createStatement()) {
                    // Losing the last moments of a crash costs nothing: the ledger redoes the unit.
                    st.execute("SET synchronous_commit = off");
                    st.execute("SET search_path = ''");
                }
                dst.setAutoCommit(false);
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.CONNECTION, "copy worker " + id + ": " + ServerError.describe(e), e);
        }
    }

    private void rollbackQuietly() {
        try {
            if (dst != null) {
                dst.rollback();
            }
        } catch (SQLException ignored) {
            // the session is closed and replaced below if it is broken
        }
    }

    /** Closes both sessions (a broken one too); the next unit opens new ones. */
    @Override
    public void close() {
        for (Connection c : new Connection[] {src, dst}) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing a broken session: nothing to release
                }
            }
        }
        src = null;
        dst = null;
    }
}
