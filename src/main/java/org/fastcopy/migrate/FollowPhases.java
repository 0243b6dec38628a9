package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.follow.Prerequisites;
import org.fastcopy.follow.SlotStatus;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.pg.Databases;
import org.fastcopy.pg.ServerError;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Phases 1 and 2 of a plan with {@code follow = yes} (docs/migrate.md, "Following"): flux1's v3
 * and flat copied to flux2 each in its own replication slot's snapshot and then followed in the
 * background while the service still runs on flux1; in phase 2, before the service moves, writes
 * on flux1 stopped ({@link WriteFreeze}), each follower cut over (everything flux1 committed
 * applied, sequences set, slot and publication dropped), and only then the counts compared and
 * the conf repointed. Guarantee: every transaction that commits on flux1 after the copies began
 * is on flux2 before the service is pointed there; one that tries to commit after the freeze fails
 * at its client.
 */
final class FollowPhases {
    /** The copy of phase 1 or a resumed following copy, as {@link MigratePhases} builds it. */
    @FunctionalInterface
    interface CopySpecs {
        CopySpec make(Endpoint from, Endpoint to, List<String> dbs, String work, boolean resume);
    }

    private final MigratePlan plan;
    private final Servers servers;
    private final Followers followers;
    private final CopySpecs specs;
    private final Consumer<String> say;

    FollowPhases(MigratePlan plan, Servers servers, Followers followers, CopySpecs specs, Consumer<String> say) {
        this.plan = plan;
        this.servers = servers;
        this.followers = followers;
        this.specs = specs;
        this.say = say;
    }

    private List<String> databases() {
        return List.of(plan.v3Database(), plan.flatDatabase());
    }

    /**
     * Phase 1: the prerequisites of both followers first (nothing created if one is missing), then
     * one database after the other copied in its slot's snapshot and left following. A retry
     * starts over: the copies are dropped with the slots an earlier attempt left.
     */
    Map<String, Object> copyAndFollow() {
        checkPrerequisites();
        Map<String, Object> details = new LinkedHashMap<>();
        for (String db : databases()) {
            Lsn from = followers.start(specs.make(plan.flux1(), plan.flux2(), List.of(db), "phase1", false));
            say.accept(db + " copied to flux2 and followed from flux1's LSN " + from + " (slot " + Followers.slot(db)
                    + ") until phase 2 cuts over");
            details.put(db + "_slot", Followers.slot(db));
            details.put(db + "_following_from", from.toString());
            details.put(db + "_oid", servers.oid(plan.flux2(), db));
        }
        return details;
    }

    private void checkPrerequisites() {
        for (String db : databases()) {
            Endpoint ep = plan.flux1().withDatabase(db);
            try (Connection src = servers.open(plan.flux1(), db)) {
                boolean leftover = SlotStatus.walHeld(src, Followers.slot(db)) >= 0;
                Prerequisites.check(src, ep, Followers.slot(db), false, leftover);
            } catch (SQLException e) {
                throw new FastcopyException(FastcopyException.FAILED, "could not check " + ep + " for following: "
                        + ServerError.describe(e), e);
            }
        }
        try (Connection t = servers.open(plan.flux2(), Databases.MAINTENANCE_DB)) {
            Prerequisites.checkTarget(t, plan.flux2());
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not check " + plan.flux2() + " for following: "
                    + ServerError.describe(e), e);
        }
    }

    /**
     * Phase 2's first part. A follower not running in this process (an earlier invocation ran
     * phase 1, or was killed) is resumed from flux2's follow ledger first; a database whose cutover
     * an earlier attempt of this phase recorded is not touched again. Then writes on flux1 stop,
     * and each follower cuts over. Anything failing here makes flux1 writable again: the service
     * still points at it.
     */
    Map<String, Object> cutOver(PhaseLedger ledger) {
        Map<String, Object> recorded = ledger.entry(Phase.REPOINT_TO_FLUX2).details;
        List<String> pending = databases().stream().filter(db -> recorded.get(db + "_cutover_lsn") == null).toList();
        Map<String, Object> details = new LinkedHashMap<>();
        try {
            for (String db : pending) {
                if (!followers.isRunning(db)) {
                    say.accept("resuming the follower of " + db + " from flux2's follow ledger (slot "
                            + Followers.slot(db) + " on flux1)");
                    followers.start(specs.make(plan.flux1(), plan.flux2(), List.of(db), "phase1", true));
                }
            }
            for (String db : databases()) {
                int ended = WriteFreeze.freeze(servers, plan.flux1(), db);
                say.accept(db + " on flux1 is read-only for new sessions and " + ended + " session(s) of it were ended: "
                        + "nothing commits there any more before the service moves");
            }
            ledger.mark(Phase.REPOINT_TO_FLUX2, "flux1_read_only", databases());
            for (String db : pending) {
                Lsn at = followers.cutOver(db);
                ledger.mark(Phase.REPOINT_TO_FLUX2, db + "_cutover_lsn", at.toString());
                say.accept(db + " cut over at flux1's LSN " + at + ": flux2 holds everything flux1 committed");
            }
        } catch (RuntimeException e) {
            thaw();
            throw e;
        }
        for (String db : databases()) {
            details.put(db + "_cutover_lsn", ledger.entry(Phase.REPOINT_TO_FLUX2).details.get(db + "_cutover_lsn"));
        }
        return details;
    }

    /** flux1 writable again (the service still points at it); a failure here is only logged. */
    void thaw() {
        for (String db : databases()) {
            try {
                WriteFreeze.thaw(servers, plan.flux1(), db);
            } catch (RuntimeException e) {
                say.accept("WARNING: " + e.getMessage());
            }
        }
    }

    void stop() {
        followers.stopAll();
    }
}
