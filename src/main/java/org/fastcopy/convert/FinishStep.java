package org.fastcopy.convert;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link ConvertStep#FINISH}: the report, from the ledger's parts (what every attempt did) and
 * this process's own times. Also the reports of the two runs that convert nothing: a finished run
 * without {@code --incremental}, and {@code --verify-only}.
 */
final class FinishStep {
    private FinishStep() {
    }

    /** @param seconds this process's time per part key: a part not in it was done by an earlier attempt */
    static ConvertReport converted(ConvertLedger.Run run, String note, List<ConvertLedger.Part> parts,
                                   Map<String, Double> seconds, IdMaps maps, double rangeSeconds, double total,
                                   VerifyOutcome verified) {
        List<ConvertReport.PartLine> lines = new ArrayList<>();
        Dangling dangling = new Dangling();
        long testRunRows = 0;
        for (ConvertLedger.Part p : parts) {
            long rows = p.rows() == null ? 0 : p.rows();
            boolean here = seconds.containsKey(p.key());
            lines.add(new ConvertReport.PartLine(p.key(), rows, str(p.started()), str(p.finished()),
                    here ? seconds.get(p.key()) : seconds(p), here));
            dangling.addAll(Dangling.decode(p.dangling()));
            if (p.ord() >= 0 && here) {
                testRunRows += rows;
            }
        }
        return new ConvertReport(run.id(), run.kind(), note, lines, dangling.asMap(), maps.entries(),
                maps.memoryBytes(), testRunRows, rangeSeconds, total, verified);
    }

    static ConvertReport nothingToDo(Connection flat, ConvertLedger.Run last, double total) throws SQLException {
        List<ConvertReport.PartLine> lines = new ArrayList<>();
        Dangling dangling = new Dangling();
        for (ConvertLedger.Part p : ConvertLedger.parts(flat, last.id())) {
            lines.add(new ConvertReport.PartLine(p.key(), p.rows() == null ? 0 : p.rows(), str(p.started()),
                    str(p.finished()), 0, false));
            dangling.addAll(Dangling.decode(p.dangling()));
        }
        flat.commit();
        return new ConvertReport(last.id(), last.kind(), "already converted by run " + last.id()
                + "; nothing to do (--incremental converts newer rows)", lines, dangling.asMap(), 0, 0, 0, 0,
                total, null);
    }

    static ConvertReport verifiedOnly(Connection flat, List<ConvertLedger.Run> runs, double total,
                                      VerifyOutcome outcome) throws SQLException {
        List<ConvertReport.PartLine> lines = new ArrayList<>();
        Dangling dangling = new Dangling();
        for (ConvertLedger.Run r : runs) {
            for (ConvertLedger.Part p : ConvertLedger.parts(flat, r.id())) {
                lines.add(new ConvertReport.PartLine((runs.size() > 1 ? "run " + r.id() + " " : "") + p.key(),
                        p.rows() == null ? 0 : p.rows(), str(p.started()), str(p.finished()), seconds(p), false));
                dangling.addAll(Dangling.decode(p.dangling()));
            }
        }
        flat.commit();
        ConvertLedger.Run last = runs.get(runs.size() - 1);
        return new ConvertReport(last.id(), "verify-only", "verified " + runs.size() + " finished run(s); nothing "
                + "converted", lines, dangling.asMap(), 0, 0, 0, 0, total, outcome);
    }

    private static double seconds(ConvertLedger.Part p) {
        return p.started() != null && p.finished() != null
                ? (p.finished().getTime() - p.started().getTime()) / 1000.0 : 0;
    }

    private static String str(Timestamp t) {
        return t == null ? null : t.toLocalDateTime().toString();
    }
}
