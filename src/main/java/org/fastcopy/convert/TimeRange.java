package org.fastcopy.convert;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

import static org.fastcopy.util.Sql.literal;

/** A half-open range [lo, hi) of test_run.start_timestamp; a null end is unbounded. */
record TimeRange(LocalDateTime lo, LocalDateTime hi) {
    private static final DateTimeFormatter SQL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    String key() {
        return "test_run:" + (lo == null ? "-inf" : lo) + ".." + (hi == null ? "+inf" : hi);
    }

    /** The condition over alias r, or "" for the whole axis. */
    String condition() {
        String a = lo == null ? "" : "r.start_timestamp >= " + sql(lo);
        String b = hi == null ? "" : "r.start_timestamp < " + sql(hi);
        return a.isEmpty() ? b : b.isEmpty() ? a : a + " AND " + b;
    }

    static String sql(LocalDateTime t) {
        return "TIMESTAMP " + literal(SQL.format(t));
    }

    /** The run's bounds (from exclusive, to inclusive) over alias r: what this run converts at all. */
    static String runBounds(LocalDateTime from, LocalDateTime to) {
        String a = from == null ? "" : "r.start_timestamp > " + sql(from);
        String b = to == null ? "false" : "r.start_timestamp <= " + sql(to);
        return a.isEmpty() ? b : a + " AND " + b;
    }
}
