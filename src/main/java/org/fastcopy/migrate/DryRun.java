package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.CopyGuard;
import org.fastcopy.pg.Rollback;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.SqlStates;
import org.fastcopy.pg.UserRelations;
import org.postgresql.copy.CopyOut;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code --dry-run}: the phases with sizes read from the servers and durations estimated from a
 * measurement, changing nothing. The copy rate is one COPY stream's read rate, sampled for at most
 * {@link #SAMPLE_SECONDS} seconds from the largest table of the source; the convert rate is the
 * previous conversion's, from the convert ledger in flux1's flat database. Both are stated in the
 * output with what they leave out, since neither sees index and key builds or a loaded target.
 */
final class DryRun {
    static final double SAMPLE_SECONDS = 2.0;
    static final long SAMPLE_MAX_BYTES = 256L << 20;

    private final MigratePlan plan;
    private final Servers servers;

    DryRun(MigratePlan plan, Servers servers) {
        this.plan = plan;
        this.servers = servers;
    }

    /** A COPY read rate and where it came from. */
    record Rate(String where, String table, long bytes, double seconds) {
        double bytesPerSecond() {
            return seconds > 0 ? bytes / seconds : 0;
        }

        String describe() {
            return String.format(Locale.ROOT, "%s: COPY of %s read %s in %.2f s = %s/s", where, table, mb(bytes), seconds,
                    mb((long) bytesPerSecond()));
        }
    }

    List<String> lines(List<Phase> selected, PhaseLedger ledger) {
        String v3 = plan.v3Database();
        String flat = plan.flatDatabase();
        long v3Flux1 = servers.size(plan.flux1(), v3);
        long flatFlux1 = servers.size(plan.flux1(), flat);
        long v3Prod = servers.size(plan.production(), v3);
        long v3Flux2 = servers.size(plan.flux2(), v3);
        long flatFlux2 = servers.size(plan.flux2(), flat);
        Rate flux1Rate = v3Flux1 > 0 ? sample(plan.flux1(), "flux1", v3) : null;
        Rate prodRate = v3Prod > 0 ? sample(plan.production(), "production", v3) : null;
        Double convertRate = null;
        if (flatFlux1 > 0) {
            convertRate = servers.query(plan.flux1(), flat, FlatConversion::previousRowsPerSecond);
        }
        long testRunRows = v3Prod > 0 ? servers.scalar(plan.production(), v3, "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint "
                + "FROM pg_class c WHERE c.relkind = 'r' AND (c.relname = 'test_run' OR c.relname LIKE 'test\\_run\\_y%')") : 0;

        List<String> out = new ArrayList<>();
        out.add("dry run of " + plan.file() + ": nothing is changed");
        out.add("state: " + (ledger == null ? "no ledger in " + plan.stateDir() + " (a new run)"
                : ledger.file() + ", run " + ledger.runId()));
        for (Phase p : selected) {
            String status = ledger == null ? "" : " [" + ledger.entry(p).status.json() + (ledger.entry(p).finished()
                    ? ", not redone" : "") + "]";
            out.add(String.format(Locale.ROOT, "phase %s (runbook %s)%s: %s", p.label(), p.runbookSteps, status,
                    describe(p, v3Flux1, flatFlux1, v3Prod, v3Flux2, flatFlux2, flux1Rate, prodRate, convertRate, testRunRows)));
        }
        out.add("how the estimates were made:");
        out.add("  sizes: pg_database_size on each server");
        out.add("  copy: bytes / one stream's read rate, sampled for at most " + SAMPLE_SECONDS + " s:");
        out.add("    " + (flux1Rate == null ? "flux1: no " + v3 + " to sample" : flux1Rate.describe()));
        out.add("    " + (prodRate == null ? "production: no " + v3 + " to sample" : prodRate.describe()));
        out.add("    the copy runs " + plan.copyJobs() + " streams, but also writes and then builds indexes, keys and rules,");
        out.add("    which took most of a copy's time on this schema in the benchmarks: treat it as an order of magnitude");
        out.add("  convert: test_run rows (pg_class.reltuples on production, " + String.format(Locale.ROOT, "%,d", testRunRows)
                + ") / " + (convertRate == null ? "no previous conversion recorded in flux1's " + flat + ": no estimate"
                : String.format(Locale.ROOT, "%,.0f rows/s, the last full conversion recorded in flux1's %s", convertRate, flat)));
        return out;
    }

    private String describe(Phase p, long v3Flux1, long flatFlux1, long v3Prod, long v3Flux2, long flatFlux2, Rate flux1Rate,
                            Rate prodRate, Double convertRate, long testRunRows) {
        String v3 = plan.v3Database();
        String flat = plan.flatDatabase();
        MigratePlan.ServiceTarget s = plan.service();
        return switch (p) {
            case COPY_TO_FLUX2 -> "copy " + v3 + " (" + mb(v3Flux1) + ") and " + flat + " (" + mb(flatFlux1) + ") flux1 -> flux2,"
                    + " dropping " + v3 + " (" + mb(v3Flux2) + ") and " + flat + " (" + mb(flatFlux2) + ") on flux2 first; "
                    + estimate(v3Flux1 + Math.max(flatFlux1, 0), flux1Rate) + (!plan.follow() ? ""
                    : "; follow = yes: each copy in the snapshot of a new replication slot on flux1 ("
                    + Followers.slot(v3) + ", " + Followers.slot(flat) + ", with a publication each), then "
                    + "followed in the background until phase 2 cuts over");
            case REPOINT_TO_FLUX2 -> (!plan.follow() ? "" : "follow = yes: make " + v3 + " and " + flat + " on flux1 "
                    + "read-only for new sessions and end the service's sessions there, then cut each follower over "
                    + "(apply everything flux1 committed up to its current LSN, set flux2's sequences, drop the "
                    + "slot and publication), then ") + "compare row counts of " + flat + " on flux1 and flux2, then set " + s.hostKey() + "/"
                    + s.portKey() + " of [" + s.section() + "] in " + s.conf() + " to " + s.flux2() + "; "
                    + estimate(Math.max(flatFlux1, 0) * 2, flux1Rate) + " (two full reads)";
            case REFRESH_V3 -> "copy " + v3 + " (" + mb(v3Prod) + ") production -> flux1, dropping flux1's ("
                    + mb(v3Flux1) + ") first; " + estimate(v3Prod, prodRate);
            case CONVERT -> "drop and rebuild " + flat + " on flux1 from " + v3 + ", auto ranges on " + plan.convertJobs()
                    + " workers; " + (convertRate == null || testRunRows == 0 ? "no estimate"
                    : String.format(Locale.ROOT, "about %s", duration(testRunRows / convertRate)));
            case VERIFY -> "count rows per table and per month in " + v3 + " and " + flat + " on flux1; "
                    + estimate(Math.max(v3Prod, 0) + Math.max(flatFlux1, 0), flux1Rate) + " (one read of each)";
            case REPOINT_TO_FLUX1 -> "set " + s.hostKey() + "/" + s.portKey() + " of [" + s.section() + "] back to "
                    + s.flux1() + "; seconds";
            case DROP_FLUX2_COPIES -> plan.dropFlux2Copies() ? "drop " + v3 + " and " + flat + " on flux2; seconds"
                    : "skipped (drop-flux2-copies = no)";
            case WATERMARK -> plan.endInFollow() ? "end = follow: convert --follow on flux1 (slot and publication "
                    + FlatConversion.FOLLOW_SLOT + " on " + v3 + "), until " + flat + " is current; the slot stays for "
                    + "the convert --follow that keeps it current; seconds to minutes"
                    : "read max(start_timestamp) of " + flat + ".mpi_install on flux1; seconds";
        };
    }

    private static String estimate(long bytes, Rate rate) {
        if (rate == null || rate.bytesPerSecond() <= 0 || bytes <= 0) {
            return "no estimate";
        }
        return "about " + duration(bytes / rate.bytesPerSecond());
    }

    /**
     * Reads the largest table with COPY for at most SAMPLE_SECONDS and returns the rate, or null
     * when there is nothing to sample: no table, or the table was dropped between the catalogue
     * read and the COPY (relation does not exist). Any other error is an error. The COPY is
     * cancelled and the read transaction rolled back on every path; the first error wins.
     */
    Rate sample(Endpoint server, String where, String db) {
        try (Connection c = servers.open(server, db)) {
            Optional<UserRelations.Relation> largest = UserRelations.largestTable(c);
            if (largest.isEmpty()) {
                return null;
            }
            UserRelations.Relation table = largest.get();
            long bytes = 0;
            long t0 = System.nanoTime();
            long limit = (long) (SAMPLE_SECONDS * 1e9);
            double seconds;
            try (Rollback tx = Rollback.begin(c);
                 CopyGuard<CopyOut> copy = CopyGuard.copyOut(c, "COPY (SELECT * FROM ONLY " + table.qualifiedName()
                         + ") TO STDOUT")) {
                byte[] buf;
                while ((buf = copy.op().readFromCopy()) != null) {
                    bytes += buf.length;
                    if (System.nanoTime() - t0 > limit || bytes > SAMPLE_MAX_BYTES) {
                        break;
                    }
                }
                // measured before the guard cancels and drains: that is not the read rate
                seconds = (System.nanoTime() - t0) / 1e9;
            }
            return new Rate(where, table.toString(), bytes, seconds);
        } catch (SQLException e) {
            if (SqlStates.UNDEFINED_TABLE.equals(e.getSQLState())) {
                return null;
            }
            throw new FastcopyException(FastcopyException.FAILED, "dry run: sampling the COPY read rate of " + db
                    + " on " + server + " failed: " + ServerError.describe(e), e);
        }
    }

    static String mb(long bytes) {
        if (bytes < 0) {
            return "absent";
        }
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return Math.max(s, 1) + " s";
        }
        return s < 3600 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60)
                : String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }
}
