package org.fastcopy.verify;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.ServerFeatures;
import org.fastcopy.pg.SqlStates;
import org.fastcopy.plan.SourceTable;
import org.fastcopy.work.Workers;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

import static org.fastcopy.util.Sql.qualified;

/**
 * Compares tables on both sides, {@code jobs} tables at a time. Each job owns one source and one
 * target connection for its whole life and takes tables from a shared queue, largest first, so
 * one big table does not leave the other jobs idle at the end.
 */
public final class Verifier {
    /**
     * Per-table outcome.
     *
     * @param explained differences the run made on purpose (rows an --encoding-errors policy
     *                  replaced or skipped): reported, but not counted as mismatches
     */
    public record Result(List<Mismatch> mismatches, long tablesCompared, long rowsCompared, List<String> explained) {
        public Result(List<Mismatch> mismatches, long tablesCompared, long rowsCompared) {
            this(mismatches, tablesCompared, rowsCompared, List.of());
        }

        public boolean ok() {
            return mismatches.isEmpty();
        }
    }

    private Verifier() {
    }

    /**
     * @param source opens a source connection already inside the snapshot being verified (or any
     *               session when the source is quiet); the verifier closes it
     * @param target opens a target connection; the verifier closes it
     */
    public static Result verify(List<SourceTable> tables, VerifyMode mode, int jobs,
                                Supplier<Connection> source, Supplier<Connection> target) {
        return verify(tables, mode, jobs, source, target, java.util.Map.of());
    }

    /**
     * @param changedOnPurpose tables (display names) the copy changed on purpose, with why; a
     *                         difference there becomes an explained line, and the same tables
     *                         found equal are not mentioned
     */
    public static Result verify(List<SourceTable> tables, VerifyMode mode, int jobs,
                                Supplier<Connection> source, Supplier<Connection> target,
                                java.util.Map<String, String> changedOnPurpose) {
        if (mode == VerifyMode.NONE || tables.isEmpty()) {
            return new Result(List.of(), 0, 0);
        }
        ConcurrentLinkedQueue<SourceTable> queue = new ConcurrentLinkedQueue<>(tables);
        List<Mismatch> mismatches = Collections.synchronizedList(new ArrayList<>());
        int n = Math.max(1, Math.min(jobs, tables.size()));
        // Not waiting on an interrupt: a digest query in progress ignores it, and the caller's
        // signal handling cancels whatever statement is left.
        List<long[]> counts = Workers.named("verify", n).stopWait(Duration.ZERO)
                .run(w -> worker(w, queue, mode, source, target, mismatches));
        long compared = 0;
        long rows = 0;
        for (long[] r : counts) {
            compared += r[0];
            rows += r[1];
        }
        List<Mismatch> sorted = new ArrayList<>();
        List<String> explained = new ArrayList<>();
        for (Mismatch m : mismatches) {
            String why = changedOnPurpose.get(m.table());
            if (why == null) {
                sorted.add(m);
            } else {
                explained.add(m + ": " + why);
            }
        }
        sorted.sort((a, b) -> a.table().compareTo(b.table()));
        explained.sort(null);
        return new Result(List.copyOf(sorted), compared, rows, List.copyOf(explained));
    }

    /** {@code result} with its mismatches on tables of {@code why} moved to the explained lines. */
    public static Result explain(Result result, Map<String, String> why) {
        List<String> explained = new ArrayList<>(result.explained());
        List<Mismatch> left = new ArrayList<>();
        for (Mismatch m : result.mismatches()) {
            String reason = why.get(m.table());
            if (reason == null) {
                left.add(m);
            } else {
                explained.add(m + ": " + reason);
            }
        }
        return new Result(List.copyOf(left), result.tablesCompared(), result.rowsCompared(), List.copyOf(explained));
    }

    private static long[] worker(Workers.Worker w, ConcurrentLinkedQueue<SourceTable> queue, VerifyMode mode,
                                 Supplier<Connection> source, Supplier<Connection> target,
                                 List<Mismatch> mismatches) {
        long compared = 0;
        long rows = 0;
        try (Connection src = source.get(); Connection dst = target.get()) {
            canonical(src);
            canonical(dst);
            boolean srcToUtf8 = hashesConverted(src);
            boolean dstToUtf8 = hashesConverted(dst);
            // Float text output differs between servers before and from 12: hash those columns' bits
            // (floats inside composites, domains or extension types such as cube still go as text).
            boolean floatBits = ServerFeatures.atLeast(src, ServerFeatures.V12) != ServerFeatures.atLeast(dst, ServerFeatures.V12);
            if (floatBits) {
                // Floats inside other values (geometric types, ranges, composites, cube) cannot be
                // hashed by a send function: at extra_float_digits 0 both print them rounded to 15
                // digits alike (12+ prints shortest-exact only above 0), so they compare to 15 digits.
                try (Statement st = src.createStatement()) {
                    st.execute("SET extra_float_digits = 0");
                }
                try (Statement st = dst.createStatement()) {
                    st.execute("SET extra_float_digits = 0");
                }
            }
            List<SourceTable> batch;
            while (!w.stopped() && !(batch = DigestBatch.take(queue)).isEmpty()) {
                List<String> srcSql = new ArrayList<>();
                List<String> dstSql = new ArrayList<>();
                for (SourceTable t : batch) {
                    Map<String, String> send = floatBits && mode == VerifyMode.CHECKSUMS ? floatColumns(src, t) : Map.of();
                    srcSql.add(TableDigest.query(t.schema(), t.name(), t.columns(), mode, srcToUtf8, send));
                    dstSql.add(TableDigest.query(t.schema(), t.name(), t.columns(), mode, dstToUtf8, send));
                }
                List<TableDigest> a = digests(src, srcSql, batch, "source");
                List<TableDigest> b = digests(dst, dstSql, batch, "target");
                for (int i = 0; i < batch.size(); i++) {
                    if (!a.get(i).equals(b.get(i))) {
                        mismatches.add(new Mismatch(batch.get(i).displayName(), a.get(i), b.get(i)));
                    }
                    compared++;
                    rows += a.get(i).rows();
                }
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "verify: " + ServerError.describe(e), e);
        }
        return new long[] {compared, rows};
    }

    /**
     * The table's columns of built-in types made of floats (float4, float8, and the geometric
     * types: point, line, lseg, box, path, polygon, circle) and arrays of them, each with its send
     * function (binary, version-independent; all exist since before 9.6).
     */
    private static Map<String, String> floatColumns(Connection src, SourceTable t) throws SQLException {
        Map<String, String> out = new java.util.HashMap<>();
        try (PreparedStatement ps = src.prepareStatement("""
                SELECT a.attname, ty.typsend::pg_catalog.regproc::text
                  FROM pg_catalog.pg_attribute a
                  JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
                 WHERE a.attrelid = ?::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped
                   AND CASE WHEN ty.typcategory = 'A' THEN ty.typelem ELSE ty.oid END IN (
                       'pg_catalog.float4'::pg_catalog.regtype, 'pg_catalog.float8'::pg_catalog.regtype,
                       'pg_catalog.point'::pg_catalog.regtype, 'pg_catalog.line'::pg_catalog.regtype,
                       'pg_catalog.lseg'::pg_catalog.regtype, 'pg_catalog.box'::pg_catalog.regtype,
                       'pg_catalog.path'::pg_catalog.regtype, 'pg_catalog.polygon'::pg_catalog.regtype,
                       'pg_catalog.circle'::pg_catalog.regtype)
                """)) {
            ps.setString(1, qualified(t.schema(), t.name()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    /** UTF8 and SQL_ASCII text is hashed as stored; any other encoding converted to UTF-8 first. */
    private static boolean hashesConverted(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('server_encoding')")) {
            rs.next();
            String enc = rs.getString(1);
            return !enc.equals("UTF8") && !enc.equals("SQL_ASCII");
        }
    }

    private static void canonical(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(TableDigest.CANONICAL_SETTINGS);
        }
    }

    /** The batch's digests in one round trip, or one by one when that failed (naming the table). */
    private static List<TableDigest> digests(Connection c, List<String> sqls, List<SourceTable> tables, String side)
            throws SQLException {
        List<TableDigest> together = sqls.size() > 1 ? DigestBatch.run(c, sqls) : null;
        if (together != null) {
            return together;
        }
        List<TableDigest> out = new ArrayList<>();
        for (int i = 0; i < sqls.size(); i++) {
            out.add(digest(c, sqls.get(i), tables.get(i), side));
        }
        return out;
    }

    private static TableDigest digest(Connection c, String sql, SourceTable t, String side) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return new TableDigest(rs.getLong(1), rs.getBigDecimal(2).toBigIntegerExact());
        } catch (SQLException e) {
            // A table missing on the target is a difference to report, not a reason to stop comparing
            // (the target session runs in autocommit, so the failed query leaves it usable).
            if ("target".equals(side) && SqlStates.UNDEFINED_TABLE.equals(e.getSQLState())) {
                return TableDigest.MISSING;
            }
            throw new FastcopyException(FastcopyException.FAILED, "verify " + t.displayName() + " on the " + side + ": " + ServerError.describe(e), e);
        }
    }
}
