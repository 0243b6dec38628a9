package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;

/**
 * One conversion, validated up front.
 *
 * @param cuts          explicit --ranges cut points, or null for auto
 * @param rangesPerJob  auto ranges per worker (more ranges than workers: one slow range cannot hold up the end)
 * @param toastCompression how the flat side compresses large values as it loads them: "lz4" or "pglz"
 */
public record ConvertSpec(Endpoint source, Endpoint target, String v3Database, String flatDatabase,
                          List<LocalDateTime> cuts, int jobs, int rangesPerJob, boolean setup, boolean incremental,
                          VerifyOptions verify, Path workDir, String toastCompression) {
    /** The default compression for loads: lz4 (see {@link #toastCompression}). */
    public static final String DEFAULT_TOAST_COMPRESSION = "lz4";

    public ConvertSpec(Endpoint source, Endpoint target, String v3Database, String flatDatabase,
                       List<LocalDateTime> cuts, int jobs, int rangesPerJob, boolean setup, boolean incremental,
                       VerifyOptions verify, Path workDir) {
        this(source, target, v3Database, flatDatabase, cuts, jobs, rangesPerJob, setup, incremental, verify, workDir,
                DEFAULT_TOAST_COMPRESSION);
    }

    public ConvertSpec {
        if (!"lz4".equals(toastCompression) && !"pglz".equals(toastCompression)) {
            throw new FastcopyException(FastcopyException.USAGE, "--toast-compression '" + toastCompression
                    + "' is not lz4 or pglz");
        }
        if (jobs < 1) {
            throw new FastcopyException(FastcopyException.USAGE, "--jobs " + jobs + " must be at least 1");
        }
        if (rangesPerJob < 1) {
            throw new FastcopyException(FastcopyException.USAGE, "ranges per job " + rangesPerJob + " must be at least 1");
        }
        if (v3Database == null || v3Database.isBlank() || flatDatabase == null || flatDatabase.isBlank()) {
            throw new FastcopyException(FastcopyException.USAGE, "--db and --flat-db must name databases");
        }
        if (v3Database.equals(flatDatabase) && source.equals(target)) {
            throw new FastcopyException(FastcopyException.USAGE, "--flat-db " + flatDatabase + " is the v3 database itself");
        }
        cuts = cuts == null ? null : List.copyOf(cuts);
        verify = verify == null ? VerifyOptions.OFF : verify;
        if (verify.only() && (incremental || setup || cuts != null)) {
            throw new FastcopyException(FastcopyException.USAGE, "--verify-only converts nothing: drop "
                    + (incremental ? "--incremental" : setup ? "--setup" : "--ranges"));
        }
    }

    /** Parses the --ranges option: "auto" or cut points. */
    public static List<LocalDateTime> parseRanges(String text) {
        return "auto".equalsIgnoreCase(text.trim()) ? null : RangePlanner.parseCuts(text);
    }
}
