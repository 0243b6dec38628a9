package org.fastcopy.convert;

import org.fastcopy.report.RunRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ConvertStep#VERIFY}: flat against v3 ({@link FlatVerifier}): the base tables up to the
 * largest v3 id any finished run saw, and the test_run ranges of the runs given; dangling
 * references among all converted rows.
 */
final class VerifyStep {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);

    private final ConvertContext ctx;

    VerifyStep(ConvertContext ctx) {
        this.ctx = ctx;
    }

    /** @param flat in a transaction (autocommit off); committed before and after */
    VerifyOutcome run(V3Session v3, Connection flat, List<ConvertLedger.Run> runs) throws SQLException {
        Map<String, String> converted = new LinkedHashMap<>();
        List<FlatVerifier.Scope> scopes = baseScopes(flat, converted);
        LocalDateTime lastTo = null;
        for (ConvertLedger.Run r : ConvertLedger.finishedRuns(flat)) {
            lastTo = r.to() != null && (lastTo == null || r.to().isAfter(lastTo)) ? r.to() : lastTo;
        }
        String convertedRuns = lastTo == null ? "false" : "r.start_timestamp <= " + TimeRange.sql(lastTo);
        converted.put("test_run", convertedRuns);
        scopes.addAll(rangeScopes(flat, runs, RangePlanner.spans(v3, convertedRuns)));
        flat.commit();
        FlatVerifyResult result = new FlatVerifier(v3, flat, ctx.spec.verify()).verify(scopes, converted);
        flat.commit();
        VerifyOutcome outcome = result.outcome();
        ctx.meters.verified(outcome.problems().size());
        RunRecorder.current().verified("convert " + ctx.spec.v3Database() + " -> " + ctx.spec.flatDatabase(),
                outcome.ok(), ctx.spec.verify().describe(), outcome.ok() ? outcome.lines() : outcome.problems());
        if (!outcome.ok()) {
            log.error("verify: {} problem(s): {}", outcome.problems().size(), outcome.problems().get(0));
        }
        return outcome;
    }

    /** One scope per base table, bounded by the largest v3 id a finished run converted (put in {@code converted}). */
    private static List<FlatVerifier.Scope> baseScopes(Connection flat, Map<String, String> converted)
            throws SQLException {
        Map<String, Long> maxIds = new LinkedHashMap<>();
        for (ConvertLedger.Run r : ConvertLedger.finishedRuns(flat)) {
            for (ConvertLedger.Part p : ConvertLedger.parts(flat, r.id())) {
                if (p.ord() < 0 && p.maxId() != null) {
                    maxIds.merge(p.key().substring("base:".length()), p.maxId(), Math::max);
                }
            }
        }
        List<FlatVerifier.Scope> scopes = new ArrayList<>();
        for (FlatTable t : ConvertContext.BASE) {
            String v3Where = "r." + t.idColumn + " <> 0";
            Long max = maxIds.get(t.table);
            if (max != null) {
                v3Where += " AND r." + t.idColumn + " <= " + max;
                converted.put(t.table, "r." + t.idColumn + " <= " + max);
            }
            scopes.add(new FlatVerifier.Scope("base:" + t.table, t.table, null, v3Where, "r." + t.idColumn + " <> 0"));
        }
        return scopes;
    }

    /** One scope per test_run range of {@code runs}, read from the v3 children that hold it. */
    private static List<FlatVerifier.Scope> rangeScopes(Connection flat, List<ConvertLedger.Run> runs,
                                                        List<RangePlanner.Week> spans) throws SQLException {
        List<FlatVerifier.Scope> scopes = new ArrayList<>();
        for (ConvertLedger.Run r : runs) {
            for (ConvertLedger.Part p : ConvertLedger.parts(flat, r.id())) {
                if (p.ord() < 0) {
                    continue;
                }
                String cond = p.range().condition();
                String where = "r.test_run_id <> 0 AND " + TimeRange.runBounds(r.from(), r.to())
                        + (cond.isEmpty() ? "" : " AND " + cond);
                String key = (runs.size() > 1 ? "run " + r.id() + " " : "") + p.key();
                scopes.add(new FlatVerifier.Scope(key, "test_run", RangePlanner.relationsOf(spans, p.range()), where, where));
            }
        }
        return scopes;
    }
}
