package org.fastcopy.blob;

import org.fastcopy.FastcopyException;
import org.fastcopy.data.Transient;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.pg.ServerError;
import org.fastcopy.snapshot.SourceSnapshot;
import org.fastcopy.util.ByteSize;
import org.fastcopy.verify.VerifyMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Copies the source's large objects (pg_largeobject), which a schema-only pg_dump leaves out, with
 * the same oids (columns of type oid or lo refer to them by oid), their owners where the role
 * exists on the target, their privileges and comments.
 *
 * <p>The source is read in the run's snapshot, in oid order, a page of {@link #PAGE} objects per
 * query with the first {@link #HEAD_BYTES} of each: small objects cost one round trip per page on
 * each side. Larger ones stream in {@link #PIECE_BYTES} pieces ({@code lo_get}/{@code lo_put}), so
 * no object is ever held whole in memory, whatever its size.
 *
 * <p>Resume: each target transaction (a page, or less once it has written {@link #COMMIT_BYTES})
 * commits together with the ledger entry {@value #LEDGER_KEY} = "through OID", the last oid it
 * created; a resumed run continues after it, and "done" skips the copy. Large objects are
 * transactional, so a crash leaves none half-created. Broken connections are retried on fresh
 * sessions from the last commit, like the data phase's units.
 *
 * <p>Hazard: a resumed run reads through a new snapshot; objects created on the source below the
 * recorded oid after the first run's snapshot are not copied, and the verification names them.
 */
public final class LargeObjectCopier {
    private static final Logger log = LoggerFactory.getLogger(LargeObjectCopier.class);

    /** Ledger key (table {@code _fastcopy.run}) holding the copy's progress. */
    public static final String LEDGER_KEY = "largeobjects";
    static final int PAGE = 200;
    /** Read with the catalogue page: objects smaller than this go across in one batch per page. */
    static final int HEAD_BYTES = 64 * 1024;
    /** Larger objects stream in pieces of this size. */
    static final int PIECE_BYTES = 1 << 20;
    /** A transaction commits once it has written this much (with the object that crossed it): a crash redoes little. */
    static final long COMMIT_BYTES = 64L << 20;
    static final int ATTEMPTS = 4;
    private static final long FIRST_BACKOFF_MS = 500;

    /**
     * @param sourceObjects large objects in the source snapshot
     * @param copied        objects created on the target by this run (0 when an earlier run did them all)
     * @param bytes         bytes written by this run
     * @param retries       transactions redone after a broken connection
     * @param verified      objects compared by the verification (0 when it did not run)
     */
    public record Result(long sourceObjects, long copied, long bytes, long retries, long verified) {
        static final Result NONE = new Result(0, 0, 0, 0, 0);

        public String summary() {
            return sourceObjects + " large objects, " + copied + " copied (" + ByteSize.format(bytes) + "), "
                    + retries + " retries, " + verified + " verified";
        }
    }

    private final Connections connections;
    private final Endpoint source;
    private final Endpoint target;
    private final SourceSnapshot snapshot;
    private final VerifyMode verify;

    /**
     * Last oid committed on the target: a retry or a resumed run starts after it. Starts at 0,
     * InvalidOid, which no large object has.
     */
    private long after;
    private long copied;
    private long bytes;
    private long retries;
    private final Map<String, Integer> missingRoles = new HashMap<>();
    private final boolean keepOwners;
    private final boolean keepPrivileges;

    public LargeObjectCopier(Connections connections, Endpoint source, Endpoint target, SourceSnapshot snapshot,
                             VerifyMode verify) {
        this(connections, source, target, snapshot, verify, true, true);
    }

    /**
     * @param keepOwners     give each object its source owner (false: --no-owner, the copying role owns them)
     * @param keepPrivileges copy each object's grants (false: --no-privileges)
     */
    public LargeObjectCopier(Connections connections, Endpoint source, Endpoint target, SourceSnapshot snapshot,
                             VerifyMode verify, boolean keepOwners, boolean keepPrivileges) {
        this.keepOwners = keepOwners;
        this.keepPrivileges = keepPrivileges;
        this.connections = connections;
        this.source = source;
        this.target = target;
        this.snapshot = snapshot;
        this.verify = verify;
    }

    /** Copies what the ledger does not show done, then verifies per {@code verify}; a difference throws exit 5. */
    public Result run() {
        long count = countOnSource();
        if (count == 0) {
            return Result.NONE;
        }
        Optional<String> mark = readMark();
        if (mark.isPresent() && mark.get().equals("done")) {
            log.info("large objects: already copied by the earlier run");
        } else {
            mark.ifPresent(m -> {
                after = Long.parseLong(m.substring("through ".length()));
                log.info("large objects: resuming after oid {}", after);
            });
            copyWithRetries();
        }
        missingRoles.forEach((role, n) -> log.warn("role {} does not exist on {}: {} large object(s) keep the copying role"
                + " as owner, and grants to it are left out", role, target, n));
        long verified = 0;
        if (verify != VerifyMode.NONE) {
            LargeObjectVerifier.Result v = verifyAll();
            if (!v.ok()) {
                throw new FastcopyException(FastcopyException.VERIFY_MISMATCH, v.differing() + " large object(s) differ on "
                        + target + ": " + String.join("; ", v.examples()));
            }
            verified = v.compared();
        }
        return new Result(count, copied, bytes, retries, verified);
    }

    private long countOnSource() {
        // The holder session is in the snapshot already; a count needs no session of its own.
        try (Statement st = snapshot.holder().createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_catalog.pg_largeobject_metadata")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not count large objects on " + source + ": "
                    + ServerError.describe(e), e);
        }
    }

    private Optional<String> readMark() {
        try (Connection c = connections.open(target, "fastcopy-largeobjects")) {
            return Ledger.get(c, LEDGER_KEY);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, target + ": " + ServerError.describe(e), e);
        }
    }

    private void copyWithRetries() {
        for (int attempt = 1; ; attempt++) {
            try (Sessions s = new Sessions()) {
                copyFrom(s);
                return;
            } catch (RuntimeException e) {
                if (attempt < ATTEMPTS && Transient.isTransient(e)) {
                    retries++;
                    long backoff = FIRST_BACKOFF_MS << (attempt - 1);
                    log.warn("large objects after oid {}: {} (attempt {} of {}, retrying in {} ms on new connections)",
                            after, e.getMessage(), attempt, ATTEMPTS, backoff);
                    backoff(backoff);
                    continue;
                }
                if (attempt > 1) {
                    throw new FastcopyException(FastcopyException.FAILED, "large objects after oid " + after + ": gave up after "
                            + attempt + " attempts: " + e.getMessage(), e);
                }
                throw e;
            }
        }
    }

    /** Pages through the source from {@link #after}, committing each page (or each COMMIT_BYTES) with its mark. */
    private void copyFrom(Sessions s) {
        long at = after;
        try {
            while (true) {
                List<LargeObject> page = s.source.page(after, PAGE, HEAD_BYTES);
                for (LargeObject lo : page) {
                    at = lo.oid();
                    s.target.add(lo, HEAD_BYTES, s.source, PIECE_BYTES);
                    if (s.target.pendingBytes() >= COMMIT_BYTES) {
                        committed(s.target.commit(LEDGER_KEY, lo.oid()), lo.oid());
                    }
                }
                if (s.target.hasPending()) {
                    long last = page.get(page.size() - 1).oid();
                    committed(s.target.commit(LEDGER_KEY, last), last);
                }
                if (page.size() < PAGE) {
                    break;
                }
            }
            Ledger.put(s.dst, LEDGER_KEY, "done");
            s.dst.commit();
        } catch (SQLException e) {
            throw sqlFailure("large objects, at oid " + at + " (" + source + " to " + target + ")", e);
        }
    }

    private void committed(LargeObjectTarget.Committed c, long throughOid) {
        after = throughOid;
        copied += c.objects();
        bytes += c.bytes();
    }

    /** A source session in the snapshot and a target session in a transaction, with their statements; closed together. */
    private final class Sessions implements AutoCloseable {
        final Connection src;
        final Connection dst;
        final LargeObjectSource source;
        final LargeObjectTarget target;

        Sessions() {
            Connection s = null;
            Connection d = null;
            LargeObjectSource reader = null;
            try {
                s = connections.open(LargeObjectCopier.this.source, "fastcopy-largeobjects");
                snapshot.importInto(s);
                reader = new LargeObjectSource(s);
                d = connections.open(LargeObjectCopier.this.target, "fastcopy-largeobjects");
                try (Statement st = d.createStatement()) {
                    // Losing the last moments of a crash costs nothing: the ledger redoes the transaction.
                    st.execute("SET synchronous_commit = off");
                }
                d.setAutoCommit(false);
                target = new LargeObjectTarget(d, missingRoles, keepOwners, keepPrivileges);
            } catch (SQLException | RuntimeException e) {
                closeQuietly(reader);
                closeQuietly(s);
                closeQuietly(d);
                throw e instanceof SQLException se ? sqlFailure("large objects: opening sessions", se) : (RuntimeException) e;
            }
            src = s;
            dst = d;
            source = reader;
        }

        @Override
        public void close() {
            closeQuietly(target);
            closeQuietly(source);
            try {
                dst.rollback();
            } catch (SQLException ignored) {
                // a broken session has nothing to roll back; closing it below is enough
            }
            closeQuietly(src);
            closeQuietly(dst);
        }
    }

    private LargeObjectVerifier.Result verifyAll() {
        try (Connection s = connections.open(source, "fastcopy-verify");
             Connection d = connections.open(target, "fastcopy-verify")) {
            snapshot.importInto(s);
            return LargeObjectVerifier.compare(s, d, verify);
        } catch (SQLException e) {
            throw sqlFailure("verifying large objects", e);
        }
    }

    /** Keeps the SQLState and the cause (retries look for class 08 there); a batch's own error comes first. */
    private static FastcopyException sqlFailure(String what, SQLException e) {
        SQLException root = e instanceof BatchUpdateException && e.getNextException() != null ? e.getNextException() : e;
        if (root != e) {
            root.addSuppressed(e);
        }
        return new FastcopyException(FastcopyException.FAILED, what + ": " + ServerError.describe(root), root);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing a broken session: nothing to release
            }
        }
    }

    /** Waiting before a retry is a backoff, not synchronisation: the server may be restarting. */
    private static void backoff(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, "large objects: interrupted");
        }
    }
}
