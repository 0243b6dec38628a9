package org.fastcopy.convert;

import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.pg.Scalar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Flat checked against v3 while following ({@code --verify}, {@code --verify-every}), with
 * {@link FlatVerifier}: per base table and per year of test_run the v3 count against the flat
 * count, and a seeded sample of rows per part field by field.
 *
 * <p>The follower runs a check between two batches, so flat stands still at its follow position
 * P; v3 does not, and is read as it is. What v3 committed after P is not a difference: the check
 * notes v3's WAL position L once it has read v3 (every transaction it saw committed before L),
 * and judges only once flat has followed up to L. A differing row is then excused when a change
 * followed between P and L touched it (its id, or a dimension row its table inlines); a count
 * difference is excused when it is no larger than the rows of its table that those changes
 * touched. A difference larger than what the stream explains is reported.
 */
final class FollowVerify {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);
    static final FollowVerify OFF = new FollowVerify(null, new Options(false, null, VerifyOptions.OFF), null);

    /** @param every the period of the checks while following, or null */
    record Options(boolean atEnd, Duration every, VerifyOptions verify) {
    }

    private final ConvertContext ctx;
    private final Options options;
    private final FollowStatus status;
    private V3Session v3;
    private long lastNanos = System.nanoTime();
    private final List<String> problems = new ArrayList<>();

    /** A check waiting for flat to follow up to {@link #until}. */
    private FlatVerifyResult pending;
    private Lsn until;
    private final Map<FlatTable, Set<Long>> touched = new EnumMap<>(FlatTable.class);
    private final Set<FlatTable> dimensionsChanged = new HashSet<>();

    FollowVerify(ConvertContext ctx, Options options, FollowStatus status) {
        this.ctx = ctx;
        this.options = options;
        this.status = status;
    }

    boolean enabled() {
        return options.atEnd() || options.every() != null;
    }

    void open(V3Session session) {
        this.v3 = session;
    }

    List<String> problems() {
        return List.copyOf(problems);
    }

    /** Whether a check waits to be judged. */
    boolean waiting() {
        return pending != null;
    }

    /** Starts a check when one is due (flat between batches at {@code position}). */
    void tick(Connection flat, Lsn position) throws SQLException {
        if (options.every() == null || pending != null
                || System.nanoTime() - lastNanos < options.every().toNanos()) {
            return;
        }
        start(flat, position);
    }

    /** Checks flat (at {@code position}, between batches) against v3 now; judged by {@link #reached}. */
    Lsn start(Connection flat, Lsn position) throws SQLException {
        lastNanos = System.nanoTime();
        List<FlatVerifier.Scope> scopes = new ArrayList<>();
        for (FlatTable t : ConvertContext.BASE) {
            String w = "r." + t.idColumn + " <> 0";
            scopes.add(new FlatVerifier.Scope("base:" + t.table, t.table, null, w, w));
        }
        List<Integer> years = v3.inTransaction(c -> {
            List<Integer> ys = new ArrayList<>();
            try (var st = c.createStatement(); var rs = st.executeQuery("SELECT DISTINCT extract(year FROM start_timestamp)"
                    + "::int FROM test_run WHERE test_run_id <> 0 ORDER BY 1")) {
                while (rs.next()) {
                    ys.add(rs.getInt(1));
                }
            }
            return ys;
        });
        for (int y : years) {
            String w = String.format(Locale.ROOT, "r.test_run_id <> 0 AND r.start_timestamp >= '%d-01-01' "
                    + "AND r.start_timestamp < '%d-01-01'", y, y + 1);
            scopes.add(new FlatVerifier.Scope("test_run " + y, "test_run", null, w, w));
        }
        pending = new FlatVerifier(v3, flat, options.verify()).verify(scopes, null);
        until = v3.inTransaction(c -> Lsn.parse(Scalar.text(c, "SELECT pg_catalog.pg_current_wal_lsn()::text")));
        touched.clear();
        dimensionsChanged.clear();
        log.info("convert --follow: verify of flat at {} read v3 up to {}; judged once flat follows there", position, until);
        return until;
    }

    /** Notes what a batch committed into flat while a check waits. */
    void applied(FollowChanges ch) {
        if (pending == null) {
            return;
        }
        for (FlatTable t : FlatTable.values()) {
            Set<Long> s = touched.computeIfAbsent(t, k -> new HashSet<>());
            s.addAll(ch.inserted.get(t));
            s.addAll(ch.updated.get(t));
            s.addAll(ch.deleted.get(t));
            if (!FollowDimension.referring(t, ch.dimensions).isEmpty()) {
                dimensionsChanged.add(t);
            }
        }
        touched.get(FlatTable.TEST_RUN).addAll(ch.runsRemoved);
    }

    /** Judges the waiting check once flat is at or past where v3 was read; returns whether it did. */
    boolean reached(Lsn position) {
        if (pending == null || position.isBefore(until)) {
            return false;
        }
        List<String> found = new ArrayList<>();
        pending.countMismatches().forEach((k, v) -> {
            FlatTable t = k.startsWith("base:") ? table(k.substring(5)) : FlatTable.TEST_RUN;
            if (Math.abs(v[0] - v[1]) > touched.getOrDefault(t, Set.of()).size()) {
                found.add(String.format(Locale.ROOT, "%s: %,d rows in v3, %,d in flat", k, v[0], v[1]));
            }
        });
        long excused = 0;
        for (FlatVerifyResult.Diff d : pending.diffs()) {
            FlatTable t = table(d.table());
            if (dimensionsChanged.contains(t) || touched.getOrDefault(t, Set.of()).contains(d.v3Id())) {
                excused++;
            } else {
                found.add(d.toString());
            }
        }
        long unlisted = pending.differing() - pending.diffs().size();
        long touchedAll = touched.values().stream().mapToLong(Set::size).sum();
        if (unlisted > 0 && unlisted > touchedAll - excused && dimensionsChanged.isEmpty()) {
            found.add(unlisted + " more differing row(s) not listed");
        }
        String outcome = found.isEmpty()
                ? String.format(Locale.ROOT, "ok: %d parts counted, %,d rows compared field by field, %d difference(s) "
                + "excused as changed after flat's position", pending.counts().size(), pending.rowsCompared(), excused)
                : found.size() + " difference(s), first: " + found.get(0);
        if (found.isEmpty()) {
            log.info("convert --follow: verify {}", outcome);
        } else {
            log.error("convert --follow: verify: {}", outcome);
            found.forEach(p -> log.error("  differs: {}", p));
        }
        problems.addAll(found);
        status.verified(found.isEmpty() ? "ok" : found.size() + " difference(s)");
        ctx.meters.verified(found.size());
        pending = null;
        return true;
    }

    private static FlatTable table(String name) {
        for (FlatTable t : FlatTable.values()) {
            if (t.table.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException(name);
    }
}
