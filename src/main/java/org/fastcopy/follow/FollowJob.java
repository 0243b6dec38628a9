package org.fastcopy.follow;

import org.fastcopy.FastcopyException;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopyReport;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.FollowMetrics;
import org.fastcopy.pg.Databases;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.ServerFeatures;
import org.fastcopy.pg.SqlStates;
import org.fastcopy.pg.UserRelations;
import org.fastcopy.sequence.SequenceCopier;
import org.fastcopy.snapshot.SourceSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

/**
 * {@code fastcopy --follow}: copy while the source keeps writing, then stream its changes until a
 * cutover. The steps, each logged:
 * <ol>
 * <li>prerequisites: checked before anything is created (exit 2 each);</li>
 * <li>publications and slot: the publications first (pgoutput reads them as of each change), then
 * the slot, whose exported snapshot the copy imports: copy and stream meet at its consistent
 * point;</li>
 * <li>copy: schema, data, indexes, keys, sequences, verify, all in that snapshot; the ledger is
 * kept and gets the consistent point as the follow position;</li>
 * <li>follow: the stream applied, whole transactions in commit order ({@link Follower});</li>
 * <li>cutover: when asked ({@code fastcopy cutover}, SIGUSR1), everything committed before the
 * request applied, sequences set from the source, slot and publications dropped unless
 * --keep-slot.</li>
 * </ol>
 * Every exit, failed or not, ends with one line saying whether a slot remains on the source and
 * how much WAL it holds ({@link SlotStatus}).
 */
public final class FollowJob {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");

    /** Points where a test or an embedding program may act; called on the follower's thread. */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        /** Streaming starts: every transaction committing from {@code from} on is still to apply. */
        default void following(Lsn from) {
        }

        /**
         * A target transaction committed, up to the source commit {@code commitLsn}, and the slot not
         * yet told: the moment a crash leaves the target ahead of the slot.
         */
        default void committed(Lsn commitLsn, Lsn next) {
        }

        /** The cutover LSN is in the target's ledger; the slot is not dropped yet. */
        default void cutoverRecorded(Lsn lsn) {
        }

        /** A streamed transaction skipped: the ledger says the target has it already. */
        default void skipped(Lsn commitLsn) {
        }

        /** ... and the slot confirmed up to {@code next}. */
        default void applied(Lsn commitLsn, Lsn next) {
        }
    }

    /** What a following run ended with. */
    public record Result(List<CopyReport> copy, Lsn cutoverLsn, long transactions, long skipped, boolean slotKept) {
    }

    private final FollowSpec spec;
    private final Connections connections;
    private final CopyJob.Listener copyListener;
    private final Listener listener;
    private final CopyMetrics.Factory copyMetrics;
    private final FollowMetrics metrics;
    private final BooleanSupplier cutoverSignal;
    private final PrintWriter out;
    private final Endpoint source;
    private final Endpoint target;

    public FollowJob(FollowSpec spec, Connections connections, CopyJob.Listener copyListener, Listener listener,
                     CopyMetrics.Factory copyMetrics, FollowMetrics metrics, BooleanSupplier cutoverSignal, PrintWriter out) {
        this.spec = spec;
        this.connections = connections;
        this.copyListener = copyListener;
        this.listener = listener;
        this.copyMetrics = copyMetrics;
        this.metrics = metrics;
        this.cutoverSignal = cutoverSignal;
        this.out = out;
        this.source = spec.copy().source(spec.database());
        this.target = spec.copy().target(spec.database());
    }

    public Result run() {
        boolean slotMayRemain = false;
        try {
            String publications;
            List<CopyReport> copied = List.of();
            try (Connection src = connections.open(source, "fastcopy-follow")) {
                boolean slotExists = SlotStatus.walHeld(src, spec.slotName()) >= 0;
                if (spec.copy().dropIfExists() && (slotExists || !Publications.existing(src, spec).isEmpty())) {
                    log.info("[{}] --drop-if-exists: dropping replication slot {} and its publications left by an "
                            + "earlier run", spec.database(), spec.slotName());
                    ReplicationSlot.drop(src, spec.slotName());
                    Publications.drop(src, spec);
                    slotExists = false;
                }
                boolean resuming = spec.copy().resume();
                Optional<Lsn> recorded = resuming ? cutoverRecorded() : Optional.empty();
                if (recorded.isPresent()) {
                    // killed inside the cutover: everything was applied; finish it
                    slotMayRemain = true;
                    log.info("[{}] STEP F5 cutover at {} (recorded by the interrupted run; finishing it)",
                            spec.database(), recorded.get());
                    cutover(recorded.get());
                    out.println("cutover of " + spec.database() + " done at source LSN " + recorded.get()
                            + ": final lag 0 bytes (finished by --resume), sequences set from the source");
                    return new Result(copied, recorded.get(), 0, 0, spec.keepSlot());
                }
                log.info("[{}] STEP F1 prerequisites", spec.database());
                List<UserRelations.Relation> keyless = Prerequisites.check(src, source, spec.slotName(),
                        spec.insertOnly(), resuming && slotExists);
                try (Connection t = connections.open(target.withDatabase(Databases.MAINTENANCE_DB), "fastcopy-follow")) {
                    Prerequisites.checkTarget(t, target);
                }
                if (!resuming) {
                    Prerequisites.noPublicationsLeft(src, source, spec);
                }
                if (!ServerFeatures.atLeast(src, 110_000)) {
                    // pgoutput of 10 has no Truncate message: say so once, where the operator reads
                    out.println("source " + source + " runs PostgreSQL 10: a TRUNCATE there is not streamed (pgoutput "
                            + "sends TRUNCATE from PostgreSQL 11 on), so the target would keep the truncated rows; "
                            + "while following, empty tables on the source with DELETE instead");
                    out.flush();
                }
                if (!keyless.isEmpty()) {
                    log.warn("[{}] {} table(s) without a key are followed for INSERTs only (--follow-insert-only)",
                            spec.database(), keyless.size());
                }
                InterruptedCopy found = resuming ? InterruptedCopy.inspect(connections, target) : null;
                if (found == InterruptedCopy.FOLLOWED) {
                    publications = resumable(src, slotExists);
                    slotMayRemain = true;
                } else {
                    CopySpec copy = found == null ? spec.copy() : startOver(src, found, slotExists);
                    log.info("[{}] STEP F2 publications and slot {}", spec.database(), spec.slotName());
                    publications = Publications.create(src, spec, keyless);
                    slotMayRemain = true;
                    copied = copyInSlotSnapshot(src, copy);
                }
            }
            log.info("[{}] STEP F4 follow", spec.database());
            Lsn reached;
            long transactions;
            long skipped;
            try (Follower follower = new Follower(spec, connections, metrics, listener, cutoverSignal)) {
                reached = follower.run(publications);
                transactions = follower.applied();
                skipped = follower.skipped();
            }
            log.info("[{}] STEP F5 cutover at {}", spec.database(), reached);
            cutover(reached);
            out.println("cutover of " + spec.database() + " done at source LSN " + reached + ": final lag 0 bytes, "
                    + transactions + " transaction(s) applied while following, sequences set from the source");
            return new Result(copied, reached, transactions, skipped, spec.keepSlot());
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "following " + source + ": " + ServerError.describe(e), e);
        } finally {
            if (slotMayRemain) {
                out.println(SlotStatus.line(connections, source, spec.slotName()));
            }
            out.flush();
        }
    }

    /**
     * --resume of a run interrupted before following began: its copy read in the slot's exported
     * snapshot, which died with the run, so the only exact way on is a new slot and a new copy.
     * Done only on evidence the run was ours (our slot, or our ledger on the partial target); drops
     * our slot and publications by name, and returns the copy spec that starts over (dropping the
     * partial target, as --drop-if-exists would). A slot still streamed or exported by a live
     * process is not dropped: the server refuses, and so does this.
     */
    private CopySpec startOver(Connection src, InterruptedCopy found, boolean slotExists) throws SQLException {
        // a run killed while its slot was being made leaves its publications and no slot: evidence too
        boolean ours = slotExists || !Publications.existing(src, spec).isEmpty();
        if (found == InterruptedCopy.FOREIGN && !ours) {
            // Exactly what a finished cutover leaves (ledger and slot gone), e.g. after a kill between
            // its last commit and the exit: never advise dropping what may already be in service.
            throw new FastcopyException(FastcopyException.USAGE, "--follow --resume: no replication slot "
                    + spec.slotName() + " on " + source + " and no fastcopy ledger on " + target + ": nothing to resume "
                    + "(a finished cutover leaves exactly this; its target is complete)");
        }
        if (found == InterruptedCopy.FOREIGN) {
            throw new FastcopyException(FastcopyException.USAGE, "--follow --resume: " + target + " holds objects but "
                    + "no fastcopy ledger, so it is no interrupted copy of ours; replace it with --follow --drop-if-exists");
        }
        if (found != InterruptedCopy.PARTIAL && !ours) {
            throw new FastcopyException(FastcopyException.USAGE, "--follow --resume: no replication slot "
                    + spec.slotName() + " on " + source + " and no unfinished copy on " + target + ": nothing to resume; "
                    + "start a following copy with --follow alone");
        }
        try {
            ReplicationSlot.drop(src, spec.slotName());
        } catch (SQLException e) {
            if (SqlStates.has(e, "55006")) {
                throw new FastcopyException(FastcopyException.FAILED, "replication slot " + spec.slotName() + " on "
                        + source + " is in use by a running process (is the interrupted run still running?): stop it "
                        + "first, then --follow --resume", e);
            }
            throw e;
        }
        Publications.drop(src, spec);
        out.println("the copy of " + spec.database() + " was interrupted before following began and its snapshot is "
                + "gone with it: starting over with a new slot (" + (slotExists ? "replication slot " + spec.slotName()
                + " and its publications dropped" : "its publications dropped") + (found == InterruptedCopy.PARTIAL
                ? ", the partial target database recreated)" : ")"));
        out.flush();
        return spec.copy().startingOver(found == InterruptedCopy.PARTIAL);
    }

    /** A resumed run streams on from the ledger: only once the copy finished, and only while the slot lives. */
    private String resumable(Connection src, boolean slotExists) throws SQLException {
        if (!slotExists) {
            throw new FastcopyException(FastcopyException.FAILED, "replication slot " + spec.slotName() + " is gone from "
                    + source + ": the changes after the target's last applied transaction cannot be streamed any more; "
                    + "copy again with --follow --drop-if-exists");
        }
        return Publications.existing(src, spec);
    }

    /**
     * STEP F2-F3: the slot, and the copy in its snapshot. A copy that fails here cannot be resumed
     * (its snapshot ends with the slot's connection), so the slot and publications go with it.
     */
    private List<CopyReport> copyInSlotSnapshot(Connection src, CopySpec copy) throws SQLException {
        ReplicationSlot slot;
        try {
            slot = ReplicationSlot.create(connections, source, spec.slotName());
        } catch (RuntimeException e) {
            Publications.drop(src, spec);
            throw e;
        }
        List<CopyReport> reports;
        try (slot) {
            log.info("[{}] STEP F3 copy in the slot's snapshot {} (consistent point {})", spec.database(),
                    slot.snapshotName(), slot.consistentPoint());
            reports = new CopyJob(copy.withKeepLedger(), connections, copyListener, copyMetrics,
                    holder -> SourceSnapshot.imported(holder, slot.snapshotName())).run();
        } catch (RuntimeException e) {
            dropQuietly(src);
            throw e;
        }
        try (Connection t = connections.open(target, "fastcopy-follow")) {
            t.setAutoCommit(false);
            // pg_dump carried the publications over with the schema: on the target they are noise
            try (Statement st = t.createStatement()) {
                st.execute("DROP PUBLICATION IF EXISTS " + ident(spec.publication()));
                st.execute("DROP PUBLICATION IF EXISTS " + ident(spec.insertOnlyPublication()));
            }
            Ledger.put(t, FollowLedger.SLOT, spec.slotName());
            Ledger.put(t, FollowLedger.NEXT, slot.consistentPoint().toString());
            Ledger.put(t, FollowLedger.TRANSACTIONS, "0");
            t.commit();
        }
        return reports;
    }

    /**
     * STEP F5: sequences from the source, the cutover LSN recorded, slot and publications dropped,
     * the ledger's last word. In this order so that a kill anywhere in it leaves either a slot to
     * follow on or the recorded cutover, which a --resume finishes ({@link #cutoverRecorded}).
     */
    private void cutover(Lsn reached) throws SQLException {
        try (Connection src = connections.open(source, "fastcopy-follow");
             Connection t = connections.open(target, "fastcopy-follow")) {
            try (Statement st = src.createStatement()) {
                // migrate freezes the source for the cutover (new sessions read-only): the slot and
                // publications must still go
                st.execute("SET default_transaction_read_only = off");
            }
            List<SequenceCopier.SequenceValue> sequences = SequenceCopier.read(src);
            SequenceCopier.apply(t, sequences);
            Ledger.put(t, FollowLedger.CUTOVER_LSN, reached.toString());
            listener.cutoverRecorded(reached);
            if (!spec.keepSlot()) {
                ReplicationSlot.drop(src, spec.slotName());
                Publications.drop(src, spec);
            }
            t.setAutoCommit(false);
            try (Statement st = t.createStatement()) {
                if (!spec.copy().keepLedger()) {
                    st.execute("DROP SCHEMA IF EXISTS " + ident(Ledger.SCHEMA) + " CASCADE");
                }
                // delivered at commit, to a waiting `fastcopy cutover`
                st.execute("NOTIFY " + FollowLedger.CUTOVER_DONE_CHANNEL + ", " + literal(reached.toString()));
            }
            t.commit();
        }
    }

    /** The LSN of a cutover a killed run had recorded but not finished, if any. */
    private Optional<Lsn> cutoverRecorded() {
        try (Connection t = connections.open(target, "fastcopy-follow")) {
            if (!Ledger.exists(t)) {
                return Optional.empty();
            }
            return Ledger.get(t, FollowLedger.CUTOVER_LSN).map(Lsn::parse);
        } catch (SQLException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void dropQuietly(Connection src) {
        try {
            ReplicationSlot.drop(src, spec.slotName());
            Publications.drop(src, spec);
        } catch (SQLException e) {
            log.warn("could not drop replication slot {} after the failed copy: {}", spec.slotName(), ServerError.describe(e));
        }
    }
}
