package org.fastcopy.copy;

import org.fastcopy.FastcopyException;
import org.fastcopy.data.EncodingErrors;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.roles.RoleOptions;
import org.fastcopy.verify.VerifyMode;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything one copy run needs, built from the command line and validated before anything
 * touches a server. Messages name the option that is wrong.
 *
 * @param source          source server (its database is replaced by each of {@code databases})
 * @param target          target server
 * @param databases       databases to copy, in order
 * @param jobs            parallel COPY streams (each a source and a target connection)
 * @param indexJobs       parallel connections building indexes and constraints, or
 *                        {@link #INDEX_JOBS_FROM_ROUND_TRIP} to choose them from the round trip to
 *                        the target ({@link #postDataSessions})
 * @param splitLargerThan tables larger than this many bytes are cut into ctid chunks of about this size
 * @param dropIfExists    drop a target database that already exists
 * @param resume          continue a run that stopped, from the target's ledger
 * @param verify          what to compare at the end
 * @param dryRun          print the plan and stop
 * @param workDir         where the schema dump and the report go
 * @param ringSlots       buffers per stream's ring (a power of two)
 * @param bufferBytes     bytes per ring buffer
 * @param keepLedger      keep the _fastcopy schema on the target after success
 * @param maintenanceWorkMem maintenance_work_mem of the index-building sessions, in bytes; 0 keeps
 *                        the target server's own setting
 * @param encodingErrors  what to do with source rows whose bytes are not valid in the target's
 *                        encoding (a SQL_ASCII source): fail, replace or skip
 * @param pgBin           the directory of pg_dump and pg_restore, or null to search for them
 * @param roles           owners, grants and the roles they name: checked, created, or left out
 */
public record CopySpec(Endpoint source, Endpoint target, List<String> databases, int jobs, int indexJobs,
                       long splitLargerThan, boolean dropIfExists, boolean resume, VerifyMode verify,
                       boolean dryRun, Path workDir, int ringSlots, int bufferBytes, boolean keepLedger,
                       long maintenanceWorkMem, EncodingErrors encodingErrors, Path pgBin, RoleOptions roles) {
    public static final int MAX_JOBS = 256;
    /** indexJobs: as many as {@link #postDataSessions} says for the round trip measured at the start of the data step. */
    public static final int INDEX_JOBS_FROM_ROUND_TRIP = 0;
    /** The round trip per extra post-data session per job ({@link #postDataSessions}). */
    private static final long ROUND_TRIP_PER_EXTRA_SESSION_NANOS = 1_000_000;
    /** Index builds sort in memory up to this; the server default (64MB) spills big ones to disk. */
    public static final long DEFAULT_MAINTENANCE_WORK_MEM = 256L << 20;

    /** A spec with the default maintenance_work_mem for index builds. */
    public CopySpec(Endpoint source, Endpoint target, List<String> databases, int jobs, int indexJobs,
                    long splitLargerThan, boolean dropIfExists, boolean resume, VerifyMode verify,
                    boolean dryRun, Path workDir, int ringSlots, int bufferBytes, boolean keepLedger) {
        this(source, target, databases, jobs, indexJobs, splitLargerThan, dropIfExists, resume, verify, dryRun, workDir,
                ringSlots, bufferBytes, keepLedger, DEFAULT_MAINTENANCE_WORK_MEM);
    }

    /** A spec that fails on invalid bytes and searches for pg_dump. */
    public CopySpec(Endpoint source, Endpoint target, List<String> databases, int jobs, int indexJobs,
                    long splitLargerThan, boolean dropIfExists, boolean resume, VerifyMode verify,
                    boolean dryRun, Path workDir, int ringSlots, int bufferBytes, boolean keepLedger,
                    long maintenanceWorkMem) {
        this(source, target, databases, jobs, indexJobs, splitLargerThan, dropIfExists, resume, verify, dryRun, workDir,
                ringSlots, bufferBytes, keepLedger, maintenanceWorkMem, EncodingErrors.FAIL, null, RoleOptions.DEFAULT);
    }

    /** This spec with another --encoding-errors policy. */
    public CopySpec withEncodingErrors(EncodingErrors policy) {
        return new CopySpec(source, target, databases, jobs, indexJobs, splitLargerThan, dropIfExists, resume, verify,
                dryRun, workDir, ringSlots, bufferBytes, keepLedger, maintenanceWorkMem, policy, pgBin, roles);
    }

    /** This spec keeping the ledger after success (a following copy's position lives there). */
    public CopySpec withKeepLedger() {
        return new CopySpec(source, target, databases, jobs, indexJobs, splitLargerThan, dropIfExists, resume, verify,
                dryRun, workDir, ringSlots, bufferBytes, true, maintenanceWorkMem, encodingErrors, pgBin, roles);
    }

    /**
     * This spec starting over instead of resuming: {@code dropTarget} drops the target database
     * first (as --drop-if-exists does). For a following copy whose snapshot died with its run.
     */
    public CopySpec startingOver(boolean dropTarget) {
        return new CopySpec(source, target, databases, jobs, indexJobs, splitLargerThan, dropTarget, false, verify,
                dryRun, workDir, ringSlots, bufferBytes, keepLedger, maintenanceWorkMem, encodingErrors, pgBin, roles);
    }

    /** This spec with pg_dump and pg_restore taken from {@code dir}. */
    public CopySpec withPgBin(Path dir) {
        return new CopySpec(source, target, databases, jobs, indexJobs, splitLargerThan, dropIfExists, resume, verify,
                dryRun, workDir, ringSlots, bufferBytes, keepLedger, maintenanceWorkMem, encodingErrors, dir, roles);
    }

    /** This spec with another treatment of owners, grants and roles. */
    public CopySpec withRoles(RoleOptions options) {
        return new CopySpec(source, target, databases, jobs, indexJobs, splitLargerThan, dropIfExists, resume, verify,
                dryRun, workDir, ringSlots, bufferBytes, keepLedger, maintenanceWorkMem, encodingErrors, pgBin, options);
    }

    public CopySpec {
        databases = List.copyOf(databases);
        if (databases.isEmpty()) {
            throw usage("--db names no database");
        }
        for (String db : databases) {
            if (db.isBlank()) {
                throw usage("--db holds an empty database name");
            }
        }
        if (jobs < 1 || jobs > MAX_JOBS) {
            throw usage("--jobs " + jobs + " is not in [1, " + MAX_JOBS + "]");
        }
        if ((indexJobs < 1 && indexJobs != INDEX_JOBS_FROM_ROUND_TRIP) || indexJobs > MAX_JOBS) {
            throw usage("--index-jobs " + indexJobs + " is not in [1, " + MAX_JOBS + "]");
        }
        if (splitLargerThan < 0) {
            throw usage("--split-larger-than must not be negative");
        }
        if (dropIfExists && resume) {
            throw usage("--drop-if-exists and --resume contradict each other: one starts over, the other continues");
        }
        if (Integer.bitCount(ringSlots) != 1 || ringSlots < 2) {
            throw usage("--ring-slots " + ringSlots + " must be a power of two, at least 2");
        }
        if (bufferBytes < 1024) {
            throw usage("--buffer-size must be at least 1kB");
        }
        if (maintenanceWorkMem != 0 && (maintenanceWorkMem < (1L << 20) || maintenanceWorkMem > (2047L << 20))) {
            throw usage("--maintenance-work-mem must be 0 (server default) or between 1MB and 2047MB");
        }
        if (encodingErrors == null) {
            throw usage("--encoding-errors must be one of fail, replace, skip");
        }
        if (roles == null) {
            throw new IllegalArgumentException("roles: use RoleOptions.DEFAULT");
        }
        if (pgBin != null) {
            org.fastcopy.cluster.PgBinaries.at(pgBin, "--pg-bin");
        }
        if (dryRun && resume) {
            throw usage("--dry-run and --resume contradict each other: a dry run prints a new plan, "
                    + "a resumed run keeps the recorded one");
        }
        if (source.host().equals(target.host()) && source.port() == target.port()) {
            throw usage("--src and --dst are the same server (" + source.host() + ":" + source.port()
                    + "): copying a database onto itself would destroy it");
        }
    }

    /** The source endpoint of one database. */
    public Endpoint source(String db) {
        return source.withDatabase(db);
    }

    public Endpoint target(String db) {
        return target.withDatabase(db);
    }

    private static FastcopyException usage(String message) {
        return new FastcopyException(FastcopyException.USAGE, message);
    }

    /**
     * Post-data sessions when --index-jobs is not given: {@code jobs}, plus one per job for each
     * millisecond of round trip to the target, at most twice {@code jobs}. Each post-data
     * transaction (an index, a key, a rule, a batch of small items) waits one round trip with its
     * session's server work stopped: on loopback that is microseconds and {@code jobs} sessions
     * keep the cores busy, but on an MTT-shaped schema at 2 ms (scale 0.05: 1,776 rules, 8,313
     * indexes, 18,386 foreign keys, about 5,000 transactions) the data and post-data step took
     * 28.4 s on 2 sessions against 23.2 s on loopback, and 24.1 s on 4 (docs/benchmarks.md,
     * 2026-12-07). More than twice would only wait on the rules' and keys' locks
     * (PostDataScheduler).
     */
    public static int postDataSessions(int jobs, long roundTripNanos) {
        long extra = (long) jobs * Math.max(0, roundTripNanos) / ROUND_TRIP_PER_EXTRA_SESSION_NANOS;
        return (int) Math.min(MAX_JOBS, jobs + Math.min(jobs, extra));
    }
}
