package org.fastcopy.analyze;

import org.fastcopy.pg.ServerError;
import org.fastcopy.FastcopyException;
import org.fastcopy.plan.SourceTable;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * What the data worker runs on a table right after its last unit commits, so that autovacuum finds
 * nothing to do on it during the copy: ANALYZE always (a freshly loaded table is past the
 * autoanalyze threshold), and VACUUM too when the table is past the server's insert threshold,
 * since autovacuum would vacuum it for its inserts (PostgreSQL 13 and later). Not VACUUM on every
 * table: each VACUUM command ends by scanning pg_class for the database's oldest xid, which on a
 * schema of thousands of tables cost more than the vacuums themselves (one scale-1 copy each:
 * VACUUM (ANALYZE) of every table kept both cores busy for 193 s in all, ANALYZE of every table
 * for 182 s, autovacuum's 188 vacuums included).
 *
 * <p>Measured at scale 1 (1,795 tables): left alone, autovacuum ran 732 analyzes and 189
 * vacuums on the target while the copy ran, on the same two cores, and its locks made the index
 * builds and keys wait (each such wait lasts until the deadlock_timeout makes it cancel itself).
 */
public final class AfterLoad {
    private final AnalyzePlan plan;
    private final long insertThreshold;
    private final double insertScale;

    private AfterLoad(AnalyzePlan plan, long insertThreshold, double insertScale) {
        this.plan = plan;
        this.insertThreshold = insertThreshold;
        this.insertScale = insertScale;
    }

    /**
     * The policy for this target, or empty when the target cannot make it work: before
     * PostgreSQL 15 a backend sends its insert counts to the statistics when it likes, so they
     * could land after the ANALYZE and make the table look modified again.
     */
    public static Optional<AfterLoad> of(Connection target, AnalyzePlan plan) {
        try (Statement st = target.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int,"
                     + " current_setting('autovacuum_vacuum_insert_threshold', true),"
                     + " current_setting('autovacuum_vacuum_insert_scale_factor', true)")) {
            rs.next();
            if (rs.getInt(1) < 150000) {
                return Optional.empty();
            }
            // -1 turns insert-driven vacuums off on the server: nothing to pre-empt then
            long threshold = Long.parseLong(rs.getString(2));
            double scale = Double.parseDouble(rs.getString(3));
            return Optional.of(new AfterLoad(plan, threshold < 0 ? Long.MAX_VALUE : threshold, scale));
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not read the target's autovacuum settings: "
                    + ServerError.describe(e), e);
        }
    }

    /**
     * The statement for a table just loaded with {@code rows} rows, without its name, or null
     * when its statistics must wait for the final ANALYZE ({@link AnalyzePlan#afterLoad}).
     * Autovacuum vacuums a table once its inserts exceed threshold + scale * reltuples, and
     * reltuples is the row count once the table is analysed.
     */
    public String command(SourceTable table, long rows) {
        if (!plan.afterLoad(table)) {
            return null;
        }
        // PROCESS_TOAST off: COPY FREEZE marked the main fork's pages all-visible and all-frozen,
        // so VACUUM skips them, but the TOAST table's pages were not marked (TOAST rows are written
        // one at a time) and a VACUUM would read all of it, however large, before the table's
        // indexes may start. Autovacuum vacuums the TOAST table on its own later, and that locks
        // only the TOAST table, nothing the index builds and keys need.
        return rows > insertThreshold + insertScale * rows ? "VACUUM (ANALYZE, PROCESS_TOAST FALSE)" : "ANALYZE";
    }

    /**
     * Run in the loading session just before its COMMIT. PostgreSQL 15 keeps a backend's counts of
     * inserted rows back for up to a second before adding them to the shared statistics; the
     * ANALYZE's reset must come after them, or the rows count as changed since the analyze and
     * autovacuum analyses the table again. This makes the session flush them when it goes idle
     * after the COMMIT, before it answers it.
     */
    public static final String FLUSH_STATS = "SELECT pg_catalog.pg_stat_force_next_flush()";
}
