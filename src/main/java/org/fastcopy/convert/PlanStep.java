package org.fastcopy.convert;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.List;

/**
 * {@link ConvertStep#PLAN}: the run to work on. An unfinished run is resumed with the plan it
 * stored (its ranges cut as the first attempt cut them); otherwise, after a finished run and
 * without {@code --incremental}, there is nothing to do; otherwise a new run is planned: its
 * test_run bounds and ranges (balanced by the rows per week, or the explicit cuts), stored in the
 * ledger before any data moves.
 */
final class PlanStep {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);

    /**
     * @param run  the run to convert, or null when there is nothing to do
     * @param last the finished run that leaves nothing to do (when run is null)
     * @param note "resumed run n" or empty
     */
    record Planned(ConvertLedger.Run run, ConvertLedger.Run last, String note, List<ConvertLedger.Part> parts) {
        boolean nothingToDo() {
            return run == null;
        }
    }

    private final ConvertContext ctx;

    PlanStep(ConvertContext ctx) {
        this.ctx = ctx;
    }

    Planned run(Connection flat, V3Session v3) throws SQLException {
        ConvertLedger.Run run = ConvertLedger.unfinishedRun(flat);
        String note = "";
        if (run != null) {
            note = "resumed run " + run.id();
            log.info("   resuming unfinished run {} ({}): its plan is kept", run.id(), run.kind());
        } else {
            ConvertLedger.Run last = ConvertLedger.lastFinishedRun(flat);
            if (last != null && !ctx.spec.incremental()) {
                log.info("   run {} finished already; nothing to do (use --incremental for newer rows)", last.id());
                return new Planned(null, last, "", List.of());
            }
            run = plan(flat, v3, last);
        }
        return new Planned(run, null, note, ConvertLedger.parts(flat, run.id()));
    }

    private ConvertLedger.Run plan(Connection flat, V3Session v3, ConvertLedger.Run last) throws SQLException {
        String kind = last == null ? "full" : "incremental";
        LocalDateTime from = last == null ? null : ConvertLedger.watermark(flat, "test_run");
        // Each child's first and last start after the watermark (its start_timestamp index answers):
        // the run's upper bound and, for --ranges auto, where cuts can fall.
        List<RangePlanner.Week> spans = RangePlanner.spans(v3, from == null ? "true" : "r.start_timestamp > "
                + TimeRange.sql(from));
        LocalDateTime to = spans.stream().map(RangePlanner.Week::last).max(LocalDateTime::compareTo).orElse(from);
        List<TimeRange> ranges;
        List<RangePlanner.Week> weeks = List.of();
        if (to == null || to.equals(from)) {
            ranges = List.of();
        } else {
            // Weighed for explicit cuts too: the rows per range are what progress and ETA go by.
            weeks = RangePlanner.weighed(v3, spans, from != null, TimeRange.runBounds(from, to));
            ranges = ctx.spec.cuts() != null ? RangePlanner.fromCuts(ctx.spec.cuts())
                    : RangePlanner.balanced(weeks, ctx.spec.jobs() * ctx.spec.rangesPerJob());
        }
        List<String> baseKeys = ConvertContext.BASE.stream().map(t -> "base:" + t.table).toList();
        ConvertLedger.Run run = ConvertLedger.createRun(flat, kind, from, to, baseKeys, ranges,
                RangePlanner.rowsPerRange(weeks, ranges));
        log.info("   run {} ({}): test_run start_timestamp in ({}, {}], {} ranges", run.id(), kind,
                from == null ? "-inf" : from, to, ranges.size());
        return run;
    }
}
