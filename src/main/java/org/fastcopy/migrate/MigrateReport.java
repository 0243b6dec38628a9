package org.fastcopy.migrate;

import org.fastcopy.util.Json;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The run's report, the table the runbook's README kept by hand: each phase with the runbook step
 * it replaces, its status, start, end and elapsed time, and what it recorded. Written after every
 * invocation (finished or failed) as {@code report-RUNID.md} and {@code report-RUNID.json} in the
 * state dir.
 */
final class MigrateReport {
    private MigrateReport() {
    }

    static List<String> markdown(MigratePlan plan, PhaseLedger ledger) {
        List<String> out = new ArrayList<>();
        out.add("# fastcopy migrate, run " + ledger.runId());
        out.add("");
        out.add("Plan `" + plan.file() + "`: production " + plan.production() + ", flux1 " + plan.flux1() + ", flux2 "
                + plan.flux2() + "; databases " + plan.v3Database() + " and " + plan.flatDatabase() + "; service conf `"
                + plan.service().conf() + "` [" + plan.service().section() + "].");
        out.add("");
        out.add("| phase | runbook step | status | started (UTC) | finished (UTC) | elapsed s | attempts | notes |");
        out.add("|---|---|---|---|---|---:|---:|---|");
        for (PhaseLedger.Entry e : ledger.entries()) {
            String notes = e.error != null ? "error: " + e.error : details(e.details);
            out.add(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %.1f | %d | %s |", e.phase.label(),
                    e.phase.runbookSteps, e.status.json(), nz(e.started), nz(e.finished), e.elapsedSeconds, e.attempts,
                    notes.replace("|", "\\|")));
        }
        return out;
    }

    /** The JSON report; keys as {@link Json} says. */
    static Map<String, Object> json(MigratePlan plan, PhaseLedger ledger) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("plan", plan.file().toAbsolutePath().toString());
        m.put("production", plan.production().toString());
        m.put("flux1", plan.flux1().toString());
        m.put("flux2", plan.flux2().toString());
        m.put("v3_database", plan.v3Database());
        m.put("flat_database", plan.flatDatabase());
        m.put("service_conf", plan.service().conf().toString());
        m.put("complete", ledger.complete());
        m.putAll(ledger.toJson());
        return m;
    }

    /** Writes both files; returns the markdown one. */
    static Path write(MigratePlan plan, PhaseLedger ledger) {
        Path md = plan.stateDir().resolve("report-" + ledger.runId() + ".md");
        PhaseLedger.writeAtomically(md, String.join("\n", markdown(plan, ledger)) + "\n");
        Json.writeFile(plan.stateDir().resolve("report-" + ledger.runId() + ".json"), json(plan, ledger));
        return md;
    }

    private static String details(Map<String, Object> d) {
        List<String> parts = new ArrayList<>();
        d.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(", ", parts);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
