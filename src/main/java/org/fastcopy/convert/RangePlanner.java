package org.fastcopy.convert;

import org.fastcopy.FastcopyException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

/**
 * Cuts test_run's start_timestamp axis into ranges: explicit cut points ({@code --ranges
 * 2012-01-01,2013-01-01}), or of about equal row counts ({@code --ranges auto}) from the exact row
 * counts of the weekly children (counted ONLY per child, in the run's snapshot and bounds). A cut
 * always falls on a child's first timestamp, so a week is never split: the balance is as good as
 * the weeks are small against the ranges, which is why auto makes several ranges per worker.
 */
final class RangePlanner {
    private RangePlanner() {
    }

    record Week(String child, long rows, LocalDateTime first) {
    }

    /** Parses --ranges cut points: dates or timestamps, strictly increasing. */
    static List<LocalDateTime> parseCuts(String text) {
        List<LocalDateTime> cuts = new ArrayList<>();
        for (String raw : text.split(",")) {
            String v = raw.trim();
            LocalDateTime t;
            try {
                t = v.length() <= 10 ? LocalDate.parse(v).atStartOfDay() : LocalDateTime.parse(v.replace(' ', 'T'));
            } catch (DateTimeParseException e) {
                throw new FastcopyException(FastcopyException.USAGE, "--ranges: '" + v
                        + "' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS); use auto or increasing cut points");
            }
            if (!cuts.isEmpty() && !t.isAfter(cuts.get(cuts.size() - 1))) {
                throw new FastcopyException(FastcopyException.USAGE, "--ranges: '" + v
                        + "' is not after the cut point before it; cut points must increase");
            }
            cuts.add(t);
        }
        return cuts;
    }

    static List<TimeRange> fromCuts(List<LocalDateTime> cuts) {
        List<TimeRange> ranges = new ArrayList<>();
        LocalDateTime lo = null;
        for (LocalDateTime c : cuts) {
            ranges.add(new TimeRange(lo, c));
            lo = c;
        }
        ranges.add(new TimeRange(lo, null));
        return ranges;
    }

    /** Row counts of test_run's children within the run's bounds, in time order, empty ones left out. */
    static List<Week> weeks(Connection v3, String bounds) throws SQLException {
        List<String> children = new ArrayList<>();
        try (Statement st = v3.createStatement();
             ResultSet rs = st.executeQuery("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                     + "WHERE i.inhparent = 'public.test_run'::regclass ORDER BY 1")) {
            while (rs.next()) {
                children.add(rs.getString(1));
            }
        }
        List<Week> weeks = new ArrayList<>();
        for (int from = 0; from < children.size(); from += 200) {
            List<String> parts = new ArrayList<>();
            for (String child : children.subList(from, Math.min(children.size(), from + 200))) {
                parts.add("SELECT " + literal(child) + ", count(*), min(r.start_timestamp) FROM ONLY " + ident(child)
                        + " r WHERE " + bounds);
            }
            try (Statement st = v3.createStatement(); ResultSet rs = st.executeQuery(String.join(" UNION ALL ", parts))) {
                while (rs.next()) {
                    if (rs.getLong(2) > 0) {
                        weeks.add(new Week(rs.getString(1), rs.getLong(2), rs.getTimestamp(3).toLocalDateTime()));
                    }
                }
            }
        }
        weeks.sort(Comparator.comparing(Week::first));
        return weeks;
    }

    /** About {@code n} ranges of equal rows: each cut at the week boundary nearest to k/n of the rows. */
    static List<TimeRange> balanced(List<Week> weeks, int n) {
        long total = weeks.stream().mapToLong(Week::rows).sum();
        List<LocalDateTime> cuts = new ArrayList<>();
        long before = 0; // rows before week i
        int i = 0;
        for (int k = 1; k < n && total > 0; k++) {
            double target = (double) total * k / n;
            while (i < weeks.size() && before + weeks.get(i).rows() <= target) {
                before += weeks.get(i).rows();
                i++;
            }
            // Cut before week i or after it, whichever lands nearer the target.
            int cutAt = i;
            if (i < weeks.size() && (before + weeks.get(i).rows() - target) < (target - before)) {
                cutAt = i + 1;
            }
            if (cutAt > 0 && cutAt < weeks.size()) {
                LocalDateTime c = weeks.get(cutAt).first();
                if (cuts.isEmpty() || c.isAfter(cuts.get(cuts.size() - 1))) {
                    cuts.add(c);
                }
            }
        }
        return fromCuts(cuts);
    }

    /**
     * Rows per range, by where each week's first row falls: exact for auto ranges (cut on week
     * starts), an estimate for explicit cuts inside a week; only progress and ETA use it.
     */
    static List<Long> rowsPerRange(List<Week> weeks, List<TimeRange> ranges) {
        List<Long> out = new ArrayList<>();
        for (TimeRange r : ranges) {
            long n = 0;
            for (Week w : weeks) {
                if ((r.lo() == null || !w.first().isBefore(r.lo())) && (r.hi() == null || w.first().isBefore(r.hi()))) {
                    n += w.rows();
                }
            }
            out.add(n);
        }
        return out;
    }
}
