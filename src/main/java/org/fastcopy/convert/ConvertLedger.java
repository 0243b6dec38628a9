package org.fastcopy.convert;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * What the conversion has done, kept in the flat database (schema {@code _convert}) so a part's
 * rows and its mark commit in one transaction: a killed range leaves neither; a rerun skips the
 * marked ones. A run's plan (its bounds and ranges) is stored before any data moves, so a resumed
 * run cuts exactly as the first attempt did, whatever the statistics say now.
 */
final class ConvertLedger {
    static final String CREATE = """
            CREATE SCHEMA IF NOT EXISTS _convert;
            CREATE TABLE IF NOT EXISTS _convert.run (run_id serial PRIMARY KEY, kind text NOT NULL,
                from_ts timestamp, to_ts timestamp, started timestamptz NOT NULL DEFAULT clock_timestamp(),
                finished timestamptz);
            CREATE TABLE IF NOT EXISTS _convert.part (run_id integer NOT NULL, part_key text NOT NULL,
                ord integer NOT NULL, lo timestamp, hi timestamp, rows bigint, dangling text,
                started timestamptz, finished timestamptz, PRIMARY KEY (run_id, part_key));
            CREATE TABLE IF NOT EXISTS _convert.watermark (table_name text PRIMARY KEY,
                max_start_timestamp timestamp, max_old_id bigint, run_id integer NOT NULL,
                updated timestamptz NOT NULL DEFAULT clock_timestamp());
            ALTER TABLE _convert.part ADD COLUMN IF NOT EXISTS expected bigint;
            ALTER TABLE _convert.part ADD COLUMN IF NOT EXISTS max_id bigint;
            ALTER TABLE _convert.part ADD COLUMN IF NOT EXISTS id_lo bigint;
            ALTER TABLE _convert.part ADD COLUMN IF NOT EXISTS first_id bigint;
            """;

    record Run(int id, String kind, LocalDateTime from, LocalDateTime to) {
    }

    /** One planned part: a base table (lo and hi null, ord < 0) or a test_run range. */
    /**
     * @param expected test_run rows the plan counted in this range (for progress and ETA), or null
     * @param maxId    for a base table, the largest v3 id the snapshot held when its ids were fixed: what
     *                 it converts and verify counts up to, since later v3 rows are the next run's
     * @param idLo     for a base table, the largest v3 id converted before this run: it converts the
     *                 ids in (idLo, maxId]
     * @param firstId  for a base table, the first flat id of the block reserved for it: v3 id
     *                 {@code v} becomes {@code firstId + v - idLo - 1}; null before the block is reserved
     */
    record Part(String key, int ord, LocalDateTime lo, LocalDateTime hi, Long rows, String dangling,
                Timestamp started, Timestamp finished, Long expected, Long maxId, Long idLo, Long firstId) {
        boolean done() {
            return finished != null;
        }

        boolean base() {
            return ord < 0;
        }

        /** The flat id of v3 id {@code v} of this base part's block. */
        long flatId(long v) {
            return firstId + v - idLo - 1;
        }

        TimeRange range() {
            return new TimeRange(lo, hi);
        }
    }

    private ConvertLedger() {
    }

    static Run unfinishedRun(Connection flat) throws SQLException {
        return oneRun(flat, "WHERE finished IS NULL");
    }

    static Run lastFinishedRun(Connection flat) throws SQLException {
        return oneRun(flat, "WHERE finished IS NOT NULL");
    }

    private static Run oneRun(Connection flat, String where) throws SQLException {
        try (Statement st = flat.createStatement();
             ResultSet rs = st.executeQuery("SELECT run_id, kind, from_ts, to_ts FROM _convert.run " + where
                     + " ORDER BY run_id DESC LIMIT 1")) {
            return rs.next() ? new Run(rs.getInt(1), rs.getString(2), ldt(rs.getTimestamp(3)), ldt(rs.getTimestamp(4)))
                    : null;
        }
    }

    /** Stores a new run and its plan; commits. */
    static Run createRun(Connection flat, String kind, LocalDateTime from, LocalDateTime to, List<String> baseKeys,
                         List<TimeRange> ranges, List<Long> expected) throws SQLException {
        int id;
        try (PreparedStatement ps = flat.prepareStatement(
                "INSERT INTO _convert.run (kind, from_ts, to_ts) VALUES (?, ?, ?) RETURNING run_id")) {
            ps.setString(1, kind);
            ps.setTimestamp(2, ts(from));
            ps.setTimestamp(3, ts(to));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                id = rs.getInt(1);
            }
        }
        try (PreparedStatement ps = flat.prepareStatement(
                "INSERT INTO _convert.part (run_id, part_key, ord, lo, hi, expected) VALUES (?, ?, ?, ?, ?, ?)")) {
            int ord = -baseKeys.size();
            for (String key : baseKeys) {
                add(ps, id, key, ord++, null, null, null);
            }
            for (int i = 0; i < ranges.size(); i++) {
                TimeRange r = ranges.get(i);
                add(ps, id, r.key(), ord++, r.lo(), r.hi(), expected.get(i));
            }
            ps.executeBatch();
        }
        flat.commit();
        return new Run(id, kind, from, to);
    }

    private static void add(PreparedStatement ps, int run, String key, int ord, LocalDateTime lo, LocalDateTime hi,
                            Long expected) throws SQLException {
        ps.setInt(1, run);
        ps.setString(2, key);
        ps.setInt(3, ord);
        ps.setTimestamp(4, ts(lo));
        ps.setTimestamp(5, ts(hi));
        ps.setObject(6, expected, java.sql.Types.BIGINT);
        ps.addBatch();
    }

    static List<Part> parts(Connection flat, int run) throws SQLException {
        List<Part> parts = new ArrayList<>();
        try (PreparedStatement ps = flat.prepareStatement("SELECT part_key, ord, lo, hi, rows, dangling, started, finished, "
                + "expected, max_id, id_lo, first_id FROM _convert.part WHERE run_id = ? ORDER BY ord")) {
            ps.setInt(1, run);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    parts.add(new Part(rs.getString(1), rs.getInt(2), ldt(rs.getTimestamp(3)), ldt(rs.getTimestamp(4)),
                            rs.getObject(5, Long.class), rs.getString(6), rs.getTimestamp(7), rs.getTimestamp(8),
                            rs.getObject(9, Long.class), rs.getObject(10, Long.class), rs.getObject(11, Long.class),
                            rs.getObject(12, Long.class)));
                }
            }
        }
        return parts;
    }

    /**
     * Stores a base part's id block: v3 ids in (idLo, maxId] map to flat ids from firstId on. Kept
     * with the plan, so a resumed run maps the same ids whatever was converted meanwhile.
     */
    static void fixIds(Connection flat, int run, String key, long idLo, long maxId, long firstId) throws SQLException {
        try (PreparedStatement ps = flat.prepareStatement("UPDATE _convert.part SET id_lo = ?, max_id = ?, first_id = ? "
                + "WHERE run_id = ? AND part_key = ? AND first_id IS NULL AND finished IS NULL")) {
            ps.setLong(1, idLo);
            ps.setLong(2, maxId);
            ps.setLong(3, firstId);
            ps.setInt(4, run);
            ps.setString(5, key);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("part " + key + " of run " + run + " has its ids fixed already: another convert ran?");
            }
        }
    }

    /** Marks a part done; call inside the transaction that wrote its rows. */
    static void markDone(Connection flat, int run, String key, long rows, Dangling dangling, Timestamp started,
                         Long maxId) throws SQLException {
        try (PreparedStatement ps = flat.prepareStatement("UPDATE _convert.part SET rows = ?, dangling = ?, started = ?, "
                + "max_id = ?, finished = clock_timestamp() WHERE run_id = ? AND part_key = ? AND finished IS NULL")) {
            ps.setLong(1, rows);
            ps.setString(2, dangling.encode());
            ps.setTimestamp(3, started);
            ps.setObject(4, maxId, java.sql.Types.BIGINT);
            ps.setInt(5, run);
            ps.setString(6, key);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("part " + key + " of run " + run + " was already marked done: another convert ran?");
            }
        }
    }

    /** Records the watermarks from what flat now holds and closes the run; one transaction. */
    static void finishRun(Connection flat, Run run) throws SQLException {
        try (Statement st = flat.createStatement()) {
            st.execute("INSERT INTO _convert.watermark (table_name, max_start_timestamp, max_old_id, run_id) "
                    + "SELECT 'submit', NULL, max(old_submit_id), " + run.id() + " FROM submit "
                    + "UNION ALL SELECT 'mpi_install', max(start_timestamp), max(old_mpi_install_id), " + run.id()
                    + " FROM mpi_install UNION ALL SELECT 'test_build', max(start_timestamp), max(old_test_build_id), "
                    + run.id() + " FROM test_build "
                    + "ON CONFLICT (table_name) DO UPDATE SET max_start_timestamp = EXCLUDED.max_start_timestamp, "
                    + "max_old_id = EXCLUDED.max_old_id, run_id = EXCLUDED.run_id, updated = clock_timestamp()");
            // test_run's watermark is the run's upper bound: every v3 row up to it is converted.
            try (PreparedStatement ps = flat.prepareStatement("INSERT INTO _convert.watermark (table_name, "
                    + "max_start_timestamp, max_old_id, run_id) SELECT 'test_run', coalesce(?, (SELECT max_start_timestamp "
                    + "FROM _convert.watermark WHERE table_name = 'test_run')), NULL, ? ON CONFLICT (table_name) DO UPDATE "
                    + "SET max_start_timestamp = EXCLUDED.max_start_timestamp, run_id = EXCLUDED.run_id, "
                    + "updated = clock_timestamp()")) {
                ps.setTimestamp(1, ts(run.to()));
                ps.setInt(2, run.id());
                ps.execute();
            }
            st.execute("UPDATE _convert.run SET finished = clock_timestamp() WHERE run_id = " + run.id());
        }
        flat.commit();
    }

    /** Every finished run, oldest first. */
    static List<Run> finishedRuns(Connection flat) throws SQLException {
        List<Run> runs = new ArrayList<>();
        try (Statement st = flat.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT run_id, kind, from_ts, to_ts FROM _convert.run WHERE finished IS NOT NULL ORDER BY run_id")) {
            while (rs.next()) {
                runs.add(new Run(rs.getInt(1), rs.getString(2), ldt(rs.getTimestamp(3)), ldt(rs.getTimestamp(4))));
            }
        }
        return runs;
    }

    static LocalDateTime watermark(Connection flat, String table) throws SQLException {
        try (PreparedStatement ps = flat.prepareStatement(
                "SELECT max_start_timestamp FROM _convert.watermark WHERE table_name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? ldt(rs.getTimestamp(1)) : null;
            }
        }
    }

    static Timestamp ts(LocalDateTime t) {
        return t == null ? null : Timestamp.valueOf(t);
    }

    static LocalDateTime ldt(Timestamp t) {
        return t == null ? null : t.toLocalDateTime();
    }
}
