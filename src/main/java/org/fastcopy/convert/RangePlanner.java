package org.fastcopy.convert;

import org.fastcopy.FastcopyException;

import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;


/**
 * Cuts test_run's start_timestamp axis into ranges: explicit cut points ({@code --ranges
 * 2012-01-01,2013-01-01}), or of about equal row counts ({@code --ranges auto}) from the row
 * counts of the weekly children ({@link #weighed}: the catalogue's estimate where there is one, a
 * count ONLY of the child where there is none). A cut
 * always falls on a child's first timestamp, so a week is never split: the balance is as good as
 * the weeks are small against the ranges, which is why auto makes several ranges per worker.
 */
final class RangePlanner {
    private RangePlanner() {
    }

    /** @param child a FROM item, "ONLY name" */
    record Week(String child, long rows, LocalDateTime first, LocalDateTime last) {
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

    /**
     * Timestamp spans of test_run's relations (the parent itself and each child, as "ONLY name")
     * within {@code bounds}, in time order, empty ones left out, rows 0 ({@link #weighed} adds
     * them): only min and max, which the start_timestamp indexes answer; batched short
     * transactions (see {@link V3Session}).
     */
    static List<Week> spans(V3Session v3, String bounds) throws SQLException {
        return spans(v3, bounds, false);
    }

    private static List<Week> spans(V3Session v3, String bounds, boolean count) throws SQLException {
        List<Week> weeks = new ArrayList<>();
        for (Object[] row : v3.perRelation("test_run", (count ? "count(*)" : "0::bigint")
                + ", min(r.start_timestamp), max(r.start_timestamp)", "r.test_run_id <> 0 AND " + bounds, 3)) {
            if (row[2] != null) {
                weeks.add(new Week((String) row[0], ((Number) row[1]).longValue(),
                        ((java.sql.Timestamp) row[2]).toLocalDateTime(), ((java.sql.Timestamp) row[3]).toLocalDateTime()));
            }
        }
        weeks.sort(Comparator.comparing(Week::first));
        return weeks;
    }

    /**
     * The spans with their rows: a full run (no lower bound) takes each child's row estimate from
     * the catalogue ({@link V3Session#rowEstimates}), which costs one query however many rows; a
     * child never analysed (or analysed while empty) and every child of an incremental run (which
     * may hold rows on both sides of the watermark, and is usually a week or two) is counted, in
     * the run's snapshot and bounds. The balance needs rows in proportion, not exact: auto ranges
     * were within 1.5x the mean in the tests either way, and only progress and ETA read the rows.
     */
    static List<Week> weighed(V3Session v3, List<Week> spans, boolean incremental, String bounds) throws SQLException {
        java.util.Map<String, Double> estimates = incremental ? java.util.Map.of() : v3.rowEstimates("test_run");
        List<String> toCount = new ArrayList<>();
        for (Week w : spans) {
            if (estimates.getOrDefault(w.child(), -1.0) <= 0) {
                toCount.add(w.child());
            }
        }
        java.util.Map<String, Long> counted = new java.util.HashMap<>();
        if (!toCount.isEmpty()) {
            for (Object[] row : v3.perRelation(toCount, "count(*)", "r.test_run_id <> 0 AND " + bounds, 1)) {
                counted.put((String) row[0], ((Number) row[1]).longValue());
            }
        }
        List<Week> out = new ArrayList<>();
        for (Week w : spans) {
            long rows = counted.containsKey(w.child()) ? counted.get(w.child()) : Math.round(estimates.get(w.child()));
            out.add(new Week(w.child(), rows, w.first(), w.last()));
        }
        return out;
    }

    /** The relations with rows in {@code r} (their span overlaps it); a FROM list for that range alone. */
    static List<String> relationsOf(List<Week> spans, TimeRange r) {
        List<String> out = new ArrayList<>();
        for (Week w : spans) {
            boolean afterLo = r.lo() == null || !w.last().isBefore(r.lo());
            boolean beforeHi = r.hi() == null || w.first().isBefore(r.hi());
            if (afterLo && beforeHi) {
                out.add(w.child());
            }
        }
        return out;
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
