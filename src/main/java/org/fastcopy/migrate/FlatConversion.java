package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.fastcopy.convert.ConvertFollow;
import org.fastcopy.convert.ConvertJob;
import org.fastcopy.convert.ConvertListener;
import org.fastcopy.pg.Scalar;
import org.fastcopy.convert.ConvertReport;
import org.fastcopy.convert.ConvertSpec;
import org.fastcopy.convert.VerifyOptions;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;

import java.nio.file.Path;

/**
 * The one place the migration calls the converter (convert grows in parallel; its API changes land
 * here only). Phase 4: a full conversion with auto ranges and the converter's own count check per
 * base table and per range. A resumed phase finds the converter's unfinished run in the flat
 * database and continues it; finished ranges are not converted again.
 */
final class FlatConversion {
    /** Auto ranges per worker, as convert's command line uses. */
    static final int RANGES_PER_JOB = 4;
    /** Rows compared field by field per range and base table during phase 4; phase 5 compares all. */
    static final int SAMPLE = 200;

    private FlatConversion() {
    }

    static ConvertReport convert(Endpoint server, String v3, String flat, int jobs, Path workDir, Connections connections,
                                 ConvertListener listener) {
        ConvertSpec spec = new ConvertSpec(server, server, v3, flat, ConvertSpec.parseRanges("auto"), jobs,
                RANGES_PER_JOB, true, false, VerifyOptions.sampled(SAMPLE, 1), workDir);
        return checked(new ConvertJob(spec, connections, listener).run());
    }

    /**
     * Phase 5's field-by-field part: convert's own verifier over every row the finished runs
     * converted (counts per range, every denormalised field, dangling references), converting nothing.
     */
    static ConvertReport verifyAll(Endpoint server, String v3, String flat, Path workDir, Connections connections) {
        ConvertSpec spec = new ConvertSpec(server, server, v3, flat, null, 1, 1, false, false,
                new VerifyOptions(true, true, true, 0, 1), workDir);
        return checked(new ConvertJob(spec, connections, ConvertListener.NONE).run());
    }

    /** The slot and publication {@code convert --follow} uses by default, so its printed command needs no --slot. */
    static final String FOLLOW_SLOT = "fastcopy_convert";

    /**
     * A plan ending in follow: {@code convert --follow --until-caught-up} on the server's v3 and
     * flat (the slot and publication created, what committed before the slot converted
     * incrementally, the stream applied up to v3's position when following started). The slot
     * stays, so {@code convert --follow} started afterwards goes on from flat's follow position.
     */
    static ConvertFollow.Result followUntilCaughtUp(Endpoint server, String v3, String flat, int jobs, Path workDir,
                                                    Connections connections) {
        ConvertSpec spec = new ConvertSpec(server, server, v3, flat, null, jobs, RANGES_PER_JOB, false, true,
                VerifyOptions.OFF, workDir);
        try (ConvertFollow f = new ConvertFollow(spec, connections, FOLLOW_SLOT, FOLLOW_SLOT)) {
            f.prepare();
            f.untilCaughtUp(true);
            return f.run();
        }
    }

    private static ConvertReport checked(ConvertReport report) {
        if (!report.verifyMismatches().isEmpty()) {
            throw new FastcopyException(FastcopyException.VERIFY_MISMATCH, "convert verify: flat differs from v3: "
                    + report.verifyMismatches());
        }
        return report;
    }

    /**
     * test_run rows per second of the last finished full conversion recorded in a flat database's
     * convert ledger (wall time from its first range's start to its last range's end), or null
     * when the database has no convert ledger or no finished full conversion in it.
     */
    static Double previousRowsPerSecond(java.sql.Connection flat) throws java.sql.SQLException {
        if (!Scalar.bool(flat, "SELECT to_regclass('_convert.part') IS NOT NULL AND to_regclass('_convert.run') IS NOT NULL")) {
            return null;
        }
        String sql = "SELECT sum(p.rows), extract(epoch FROM max(p.finished) - min(p.started)) FROM _convert.part p "
                + "WHERE p.part_key LIKE 'test_run:%' AND p.run_id = (SELECT max(run_id) FROM _convert.run "
                + "WHERE finished IS NOT NULL AND kind = 'full')";
        try (java.sql.Statement st = flat.createStatement(); java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            long rows = rs.getLong(1);
            double seconds = rs.getDouble(2);
            return rows > 0 && seconds > 0 ? rows / seconds : null;
        }
    }
}
