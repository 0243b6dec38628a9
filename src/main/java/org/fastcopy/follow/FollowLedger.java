package org.fastcopy.follow;

import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.ledger.Ledger;

import java.sql.Connection;
import java.util.Optional;

/**
 * The follower's facts in the target's ledger ({@code _fastcopy.run}). The one that matters is
 * {@link #NEXT}: every source transaction whose COMMIT record starts before it is on the target.
 * It is written in the same target transaction as the rows it covers, so after any crash it is
 * exactly true, and a resumed follower skips a streamed transaction iff its commit LSN is before
 * it (equivalently: at or before the last applied commit LSN). Its first value is the slot's
 * consistent point, the snapshot's own boundary: a transaction committing exactly there is not
 * in the snapshot and must be applied (pgcopydb #282 compared statement LSNs instead and lost
 * such transactions).
 */
public final class FollowLedger {
    /** End LSN of the last applied transaction (or the consistent point): skip commits before it. */
    static final String NEXT = "follow.next";
    /** Commit LSN of the last applied transaction, for reports. */
    static final String COMMIT = "follow.commit";
    /** Source transactions applied, all runs together. */
    static final String TRANSACTIONS = "follow.transactions";
    /** The slot this target follows. */
    static final String SLOT = "follow.slot";
    /** Set by {@code fastcopy cutover}; a follower that sees it cuts over. */
    public static final String CUTOVER_REQUESTED = "follow.cutover.requested";
    /** The LSN a finished cutover reached. */
    public static final String CUTOVER_LSN = "follow.cutover.lsn";
    /** The channel a follower notifies, with the cutover LSN as payload, when it has cut over. */
    public static final String CUTOVER_DONE_CHANNEL = "fastcopy_cutover_done";

    private FollowLedger() {
    }

    static Optional<Lsn> next(Connection target) {
        return Ledger.get(target, NEXT).map(Lsn::parse);
    }

    static long transactions(Connection target) {
        return Ledger.get(target, TRANSACTIONS).map(Long::parseLong).orElse(0L);
    }

    /** Whether this target database is being followed (a following copy finished on it). */
    public static boolean followed(Connection target) {
        return Ledger.exists(target) && Ledger.get(target, NEXT).isPresent();
    }
}
