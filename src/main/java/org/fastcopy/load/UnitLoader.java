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
import java.util.ArrayList;
import java.util.List;
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
            checkKept(unit, r);
            commit(new StringBuilder(endOfUnit(u, r)));
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
     * Copies several small whole tables in one target transaction and commits them with their
     * ledger marks: one emptiness query for all of them, one TRUNCATE for those that hold rows,
     * a COPY each, one COMMIT. On a schema of thousands of tables of a few rows each, a table's
     * cost is its statements and round trips rather than its rows. All or none commit, so a
     * resumed run or a retry finds every mark of the batch or none.
     */
    List<CopyResult> copyBatch(List<PlannedUnit> batch) {
        open();
        List<CopyResult> results = new ArrayList<>(batch.size());
        PlannedUnit current = batch.get(0);
        try {
            boolean[] filled = filled(batch);
            StringBuilder truncate = new StringBuilder();
            for (int i = 0; i < batch.size(); i++) {
                if (filled[i]) {
                    CopyUnit unit = batch.get(i).unit();
                    truncate.append(truncate.length() == 0 ? "TRUNCATE ONLY " : ", ")
                            .append(qualified(unit.targetSchema(), unit.targetTable()));
                }
            }
            if (truncate.length() > 0) {
                try (Statement st = dst.createStatement()) {
                    st.execute(truncate.toString());
                }
            }
            StringBuilder end = new StringBuilder();
            for (int i = 0; i < batch.size(); i++) {
                current = batch.get(i);
                CopyResult r = copier.copy(current.unit(), src, dst, current.format(), filled[i], setup.encodingErrors());
                checkKept(current.unit(), r);
                end.append(endOfUnit(current, r));
                results.add(r);
            }
            commit(end);
            return results;
        } catch (SQLException e) {
            rollbackQuietly();
            throw new FastcopyException(FastcopyException.FAILED, current.unit().label() + " (in a batch of "
                    + batch.size() + " small tables): on the target: " + ServerError.describe(e), e);
        } catch (RuntimeException e) {
            rollbackQuietly();
            throw e;
        }
    }

    /** Which of the units' tables hold rows on the target, in one query. */
    private boolean[] filled(List<PlannedUnit> batch) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < batch.size(); i++) {
            CopyUnit unit = batch.get(i).unit();
            sql.append(i == 0 ? "" : ", ").append("EXISTS (SELECT FROM ONLY ")
                    .append(qualified(unit.targetSchema(), unit.targetTable())).append(')');
        }
        boolean[] filled = new boolean[batch.size()];
        try (Statement st = dst.createStatement(); ResultSet rs = st.executeQuery(sql.toString())) {
            rs.next();
            for (int i = 0; i < filled.length; i++) {
                filled[i] = rs.getBoolean(i + 1);
            }
        }
        return filled;
    }

    /** The batch's results from its ledger marks when the attempt before committed it, or null. */
    List<CopyResult> committedBefore(List<PlannedUnit> batch) {
        List<CopyResult> results = new ArrayList<>(batch.size());
        for (PlannedUnit u : batch) {
            CopyResult r = committedBefore(u);
            if (r == null) {
                return null; // one transaction: the first unit's mark already says none committed
            }
            results.add(r);
        }
        return results;
    }

    /**
     * Runs the statistics command on several loaded tables in one statement (PostgreSQL 11 and
     * later take a list; the statistics need a target of 15 anyway). A failure loses no data: a
     * warning, the tables are left to the final ANALYZE, and false.
     */
    boolean statistics(List<PlannedUnit> units, String command) {
        StringBuilder sql = new StringBuilder(command).append(' ');
        for (int i = 0; i < units.size(); i++) {
            CopyUnit unit = units.get(i).unit();
            sql.append(i == 0 ? "" : ", ").append(qualified(unit.targetSchema(), unit.targetTable()));
        }
        try {
            dst.setAutoCommit(true); // VACUUM refuses to run inside a transaction block
            try (Statement st = dst.createStatement()) {
                st.execute(sql.toString());
            }
            dst.setAutoCommit(false);
            return true;
        } catch (SQLException e) {
            String which = units.size() == 1 ? units.get(0).table().displayName()
                    : units.size() + " tables from " + units.get(0).table().displayName();
            log.warn("{}: {} after the load failed, leaving it to the final ANALYZE: {}", which, command,
                    ServerError.describe(e));
            close();
            return false;
        }
    }

    private void checkKept(CopyUnit unit, CopyResult r) {
        if (r.rows() != r.expectedRows(setup.encodingErrors())) {
            throw new FastcopyException(FastcopyException.FAILED, unit.label() + ": the source sent " + r.sourceRows()
                    + " rows but the target kept " + r.rows() + " (a trigger or rule on the target table?)");
        }
    }

    /** The unit's ledger mark, and its invalid-row count, to commit with its rows. */
    private String endOfUnit(PlannedUnit u, CopyResult r) {
        String end = Ledger.markUnitDoneSql(u.key(), r.rows(), r.bytes());
        if (r.invalidRows() > 0) {
            // Committed with the rows, so a resumed run can still explain this table's difference.
            end += Ledger.putSql(InvalidRows.key(u.key()), InvalidRows.value(u.table().displayName(), r.invalidRows()));
        }
        return end;
    }

    /**
     * The marks, the statistics flush and COMMIT in one round trip: over a network a unit's fixed
     * cost is its round trips, and a schema of many small tables pays it once per table. PgJDBC
     * sends the statements of one execute() with one Sync; the first failure skips the rest,
     * COMMIT included, and the caller rolls back.
     */
    private void commit(StringBuilder end) throws SQLException {
        if (setup.afterLoad() != null) {
            end.append(AfterLoad.FLUSH_STATS).append(';');
        }
        end.append("COMMIT");
        try (Statement st = dst.createStatement()) {
            st.execute(end.toString());
        }
        dst.commit(); // a no-op after the COMMIT above (the driver sees the session idle)
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
        return filled(List.of(u))[0];
    }

    /**
     * Runs the statistics command (ANALYZE or VACUUM (ANALYZE)) on the unit's table. Cheap: COPY
     * FREEZE left the pages frozen and all-visible, and there are no indexes yet. A failure loses
     * no data, so it is a warning, and the table is left to the final ANALYZE; false then.
     */
    boolean statistics(PlannedUnit u, String command) {
        return statistics(List.of(u), command);
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
