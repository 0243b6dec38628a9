package org.fastcopy.convert;

import io.micrometer.core.instrument.MeterRegistry;
import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.pg.Scalar;
import org.fastcopy.pg.ServerError;
import org.fastcopy.snapshot.SourceSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.fastcopy.convert.ConvertStep.FINISH;
import static org.fastcopy.convert.ConvertStep.ID_MAPS;
import static org.fastcopy.convert.ConvertStep.KEYS;
import static org.fastcopy.convert.ConvertStep.PLAN;
import static org.fastcopy.convert.ConvertStep.RANGES;
import static org.fastcopy.convert.ConvertStep.TARGET;
import static org.fastcopy.convert.ConvertStep.VERIFY;
import static org.fastcopy.convert.ConvertStep.WATERMARKS;

/**
 * v3 to flat (runbook steps 5, 6 and 9) as the numbered steps of {@link ConvertStep}: 1 target
 * database, 2 plan, 3 id maps, 4 ranges (and base tables), 5 watermarks, 6 indexes and keys, 7 verify, 8 finish.
 * Each step is one class and one call here; {@link ConvertSteps} logs "STEP n name" as it starts
 * and its time as it ends, and the report lists the steps with their times.
 *
 * <p>Only one convert may work on a flat database at a time (an advisory lock, held from the plan
 * to the end), since the id blocks it reserves and the "id above the converted maximum" rule of
 * the base tables assume it.
 */
public final class ConvertJob {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);

    private final ConvertContext ctx;

    public ConvertJob(ConvertSpec spec, Connections connections, ConvertListener listener) {
        this(spec, connections, listener, null);
    }

    /** @param registry where the meters go (the Prometheus endpoint's), or null for none */
    public ConvertJob(ConvertSpec spec, Connections connections, ConvertListener listener, MeterRegistry registry) {
        this.ctx = new ConvertContext(spec, connections, listener, new ConvertMeters(registry, spec.flatDatabase()));
    }

    public ConvertReport run() {
        long t0 = System.nanoTime();
        ConvertSteps steps = new ConvertSteps();
        try {
            if (ctx.spec.verify().only()) {
                return verifyOnly(steps, t0);
            }
            steps.run(TARGET, ctx.flatEndpoint.toString(), new TargetStep(ctx)::run);
            try (Connection flat = ctx.openLoading()) {
                ctx.lock(flat);
                flat.setAutoCommit(false);
                return convert(flat, steps, t0);
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, (ctx.spec.verify().only() ? "verify " : "convert ")
                    + ctx.spec.v3Database() + " -> " + ctx.spec.flatDatabase() + " failed: " + ServerError.describe(e), e);
        }
    }

    /** Steps 2 to 8, under the convert lock held by {@code flat}. */
    private ConvertReport convert(Connection flat, ConvertSteps steps, long t0) throws SQLException {
        // The holder only holds the snapshot and an ACCESS SHARE lock per v3 table (one per table, not per
        // index, so ten years of children fit the default lock table); it must not collect more
        // locks all run long. Reads go through short transactions on another session.
        try (SourceSnapshot snap = SourceSnapshot.exportLocked(ctx.openV3()); Connection workConn = ctx.openV3()) {
            V3Session v3 = new V3Session(workConn, snap);
            PlanStep.Planned plan = steps.run(PLAN, "snapshot " + snap.id(), () -> new PlanStep(ctx).run(flat, v3));
            if (plan.nothingToDo()) {
                return steps.run(FINISH, "nothing to do", () -> FinishStep.nothingToDo(flat, plan.last(), seconds(t0)))
                        .withSteps(steps.done());
            }
            ConvertLedger.Run run = plan.run();
            Map<String, Double> partSeconds = new LinkedHashMap<>();
            IdPlan.Result ids = steps.run(ID_MAPS, "", () -> new IdPlan(ctx).run(run, plan.parts(), v3, flat));
            IdMaps maps = ids.maps();
            List<ConvertLedger.Part> base = ids.parts().stream().filter(p -> p.base() && !p.done()).toList();
            List<ConvertLedger.Part> todo = ids.parts().stream().filter(p -> !p.base() && !p.done()).toList();
            // Flat's foreign keys (from an earlier run; NOT VALID ones too) check every new test_run
            // row at once: its base rows must be there first, so no overlap then.
            boolean overlap = !Scalar.bool(flat, "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE contype = 'f' "
                    + "AND conrelid = 'public.test_run'::regclass)");
            flat.commit();
            double rangeSeconds = steps.run(RANGES, base.size() + " base tables and " + todo.size()
                    + " test_run ranges on " + ctx.spec.jobs() + " workers" + (overlap ? "" : ", base tables first"),
                    () -> {
                        RangesStep ranges = new RangesStep(ctx);
                        if (overlap) {
                            return ranges.run(run, snap, v3, maps, base, todo, partSeconds);
                        }
                        ranges.run(run, snap, v3, maps, base, List.of(), partSeconds);
                        return ranges.run(run, snap, v3, maps, List.of(), todo, partSeconds);
                    });
            steps.run(WATERMARKS, "", () -> {
                ConvertLedger.finishRun(flat, run);
                return null;
            });
            steps.run(KEYS, "", new KeysStep(ctx)::run);
            VerifyOutcome verified = null;
            if (ctx.spec.verify().enabled()) {
                verified = steps.run(VERIFY, ctx.spec.verify().describe(),
                        () -> new VerifyStep(ctx).run(v3, flat, List.of(run)));
            } else {
                steps.skip(VERIFY, "not asked for");
            }
            VerifyOutcome outcome = verified;
            ConvertReport report = steps.run(FINISH, "", () -> FinishStep.converted(run, plan.note(),
                    ConvertLedger.parts(flat, run.id()), partSeconds, maps, rangeSeconds, seconds(t0), outcome));
            return report.withSteps(steps.done());
        }
    }

    /** {@code --verify-only}: steps 7 and 8 alone; every finished run checked, under the convert lock. */
    private ConvertReport verifyOnly(ConvertSteps steps, long t0) throws SQLException {
        try (Connection flat = ctx.openFlat(); Connection v3 = ctx.openV3()) {
            if (!Scalar.bool(flat, "SELECT to_regclass('_convert.run') IS NOT NULL")) {
                throw new FastcopyException(FastcopyException.FAILED, ctx.spec.flatDatabase()
                        + " holds no conversion to verify (no _convert ledger): run convert first");
            }
            ctx.lock(flat);
            flat.setAutoCommit(false);
            List<ConvertLedger.Run> runs = ConvertLedger.finishedRuns(flat);
            if (runs.isEmpty()) {
                throw new FastcopyException(FastcopyException.FAILED, ctx.spec.flatDatabase()
                        + " has no finished conversion to verify: finish it first (rerun convert to resume)");
            }
            log.info("verify only ({}): {} finished run(s) of {}", ctx.spec.verify().describe(), runs.size(),
                    ctx.spec.flatDatabase());
            VerifyOutcome outcome = steps.run(VERIFY, ctx.spec.verify().describe(),
                    () -> new VerifyStep(ctx).run(new V3Session(v3, null), flat, runs));
            ConvertReport report = steps.run(FINISH, "", () -> FinishStep.verifiedOnly(flat, runs, seconds(t0), outcome));
            return report.withSteps(steps.done());
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
