package org.fastcopy.migrate;

import io.micrometer.core.instrument.MeterRegistry;
import org.fastcopy.FastcopyException;
import org.fastcopy.convert.ConvertReport;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopyReport;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.util.Json;
import org.fastcopy.verify.VerifyMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The runbook as one resumable command: the phases of {@link Phase} in order, each started,
 * recorded, notified and logged with its time, one checked call each. A phase that fails is
 * recorded as failed and ends the run with its exit code; {@code --resume} runs it again from its
 * start (a copy starts over with a drop; the conversion continues from its own ledger) and never
 * runs a finished phase again.
 *
 * <p>Safety rules, checked from the service conf itself before a phase changes anything: no phase
 * drops the flat database the service is pointed at (1 and 7 refuse while it points at flux2, 4
 * while it points at flux1), and phase 6 points the service back only after phase 5 has verified
 * flux1's flat in this run.
 */
public final class MigrateJob {
    private static final Logger log = LoggerFactory.getLogger("fastcopy.migrate");
    private static final long SPLIT_LARGER_THAN = 1L << 30;

    private final MigratePlan plan;
    private final Connections connections;
    private final Servers servers;
    private final MigrateListener listener;
    private final MigrateMetrics metrics;
    private final CopyMetrics.Factory copyMetrics;
    private final PrintWriter out;

    public MigrateJob(MigratePlan plan, Connections connections, MigrateListener listener, MeterRegistry registry,
                      CopyMetrics.Factory copyMetrics, PrintWriter out) {
        this.plan = plan;
        this.connections = connections;
        this.servers = new Servers(connections);
        this.listener = listener;
        this.metrics = new MigrateMetrics(registry);
        this.copyMetrics = copyMetrics;
        this.out = out;
    }

    /** Prints the phases with sizes and estimates; changes nothing. */
    public void dryRun(List<Phase> selected) {
        new DryRun(plan, servers).lines(selected, PhaseLedger.load(plan.stateDir())).forEach(out::println);
        out.flush();
    }

    /**
     * Runs the selected phases that are not done yet.
     *
     * @return the markdown report's path
     * @throws FastcopyException the failed phase's error, with its exit code; the ledger and report are written
     */
    public Path run(List<Phase> selected, boolean resume) {
        PhaseLedger ledger = openLedger(resume);
        if (ledger == null) {
            return null;
        }
        Notifier notifier = new Notifier(plan.notifyCommand(), plan.notifyTimeout(),
                Map.of("FASTCOPY_RUN_ID", ledger.runId(), "FASTCOPY_PLAN", plan.file().toAbsolutePath().toString()));
        say("migrate run " + ledger.runId() + " (" + (resume ? "resumed" : "new") + "), ledger " + ledger.file()
                + ", phases " + selected.stream().map(p -> String.valueOf(p.number)).toList());
        preflight(selected, ledger);
        try {
            for (Phase p : selected) {
                PhaseLedger.Entry e = ledger.entry(p);
                if (e.finished()) {
                    metrics.alreadyDone();
                    say("phase " + p.label() + ": already " + e.status.json() + " (finished " + e.finished + "), not redone");
                    continue;
                }
                runPhase(p, ledger, notifier);
            }
        } finally {
            Path report = MigrateReport.write(plan, ledger);
            say("report: " + report + " (and .json)");
        }
        if (ledger.complete()) {
            say("migration " + ledger.runId() + " complete");
        }
        return plan.stateDir().resolve("report-" + ledger.runId() + ".md");
    }

    private PhaseLedger openLedger(boolean resume) {
        PhaseLedger ledger = PhaseLedger.load(plan.stateDir());
        if (resume) {
            if (ledger == null) {
                throw new FastcopyException(FastcopyException.USAGE, "--resume: no migration to resume in "
                        + plan.stateDir() + " (no " + PhaseLedger.FILE + ")");
            }
            if (ledger.complete()) {
                say("nothing to resume: every phase of run " + ledger.runId() + " is done or skipped");
                return null;
            }
            if (!ledger.plan().equals(plan.file().toAbsolutePath().toString())) {
                log.warn("the ledger was started with plan {}; resuming with {}", ledger.plan(), plan.file().toAbsolutePath());
            }
            return ledger;
        }
        if (ledger != null && !ledger.complete()) {
            PhaseLedger.Entry stuck = ledger.entries().stream().filter(e -> !e.finished()).findFirst().orElseThrow();
            throw new FastcopyException(FastcopyException.USAGE, ledger.file() + " holds unfinished run " + ledger.runId()
                    + " (phase " + stuck.phase.label() + " " + stuck.status.json() + "): add --resume to continue it, "
                    + "or move the file away to start over");
        }
        if (ledger != null) {
            ledger.archive();
        }
        return PhaseLedger.create(plan.stateDir(), plan.file(), now());
    }

    /** Every server a remaining phase needs must answer before the first phase starts (exit 3 otherwise). */
    private void preflight(List<Phase> selected, PhaseLedger ledger) {
        boolean prod = false;
        boolean flux2 = false;
        for (Phase p : selected) {
            if (ledger.entry(p).finished()) {
                continue;
            }
            prod |= p == Phase.REFRESH_V3;
            flux2 |= p == Phase.COPY_TO_FLUX2 || p == Phase.REPOINT_TO_FLUX2 || p == Phase.DROP_FLUX2_COPIES;
        }
        servers.ping(plan.flux1());
        if (flux2) {
            servers.ping(plan.flux2());
        }
        if (prod) {
            servers.ping(plan.production());
        }
    }

    private void runPhase(Phase p, PhaseLedger ledger, Notifier notifier) {
        long t0 = System.nanoTime();
        if (p == Phase.DROP_FLUX2_COPIES && !plan.dropFlux2Copies()) {
            ledger.skipped(p, now(), "drop-flux2-copies = no");
            say("phase " + p.label() + ": skipped (drop-flux2-copies = no)");
            notifier.send(p, Notifier.Event.SKIP, 0, "drop-flux2-copies = no");
            return;
        }
        ledger.started(p, now());
        metrics.started(p);
        say("phase " + p.label() + ": start (runbook " + p.runbookSteps + "): " + p.summary);
        notifier.send(p, Notifier.Event.START, 0, null);
        try {
            listener.phaseStarted(p);
            Map<String, Object> details = execute(p, ledger);
            ledger.done(p, now(), details);
            metrics.finished(p, System.nanoTime() - t0);
            listener.phaseFinished(p);
        } catch (RuntimeException e) {
            double elapsed = (System.nanoTime() - t0) / 1e9;
            String message = e instanceof FastcopyException ? e.getMessage() : e.toString();
            ledger.failed(p, now(), message);
            metrics.failed(p);
            say(String.format(Locale.ROOT, "phase %s: FAILED after %.1f s: %s", p.label(), elapsed, message));
            notifier.send(p, Notifier.Event.FAIL, elapsed, message);
            if (e instanceof FastcopyException fe) {
                throw new FastcopyException(fe.exitCode(), "phase " + p.label() + " failed: " + fe.getMessage()
                        + " (fix it, then: fastcopy migrate --plan " + plan.file() + " --resume)", fe);
            }
            throw new FastcopyException(FastcopyException.FAILED, "phase " + p.label() + " failed: " + message, e);
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        say(String.format(Locale.ROOT, "phase %s: done in %.1f s %s", p.label(), elapsed, ledger.entry(p).details));
        notifier.send(p, Notifier.Event.END, elapsed, null);
    }

    private Map<String, Object> execute(Phase p, PhaseLedger ledger) {
        return switch (p) {
            case COPY_TO_FLUX2 -> copyToFlux2();
            case REPOINT_TO_FLUX2 -> repointToFlux2(ledger);
            case REFRESH_V3 -> copy(plan.production(), plan.flux1(), List.of(plan.v3Database()), "phase3");
            case CONVERT -> convert(ledger);
            case VERIFY -> verifyFlat();
            case REPOINT_TO_FLUX1 -> repointToFlux1(ledger);
            case DROP_FLUX2_COPIES -> dropFlux2Copies();
            case WATERMARK -> watermark();
        };
    }

    // ---- 5 ---------------------------------------------------------------------------------

    /** Counts per table and month (independent of convert's code), then every field of every row. */
    private Map<String, Object> verifyFlat() {
        Map<String, Object> details = new LinkedHashMap<>(
                FlatCheck.verify(servers, plan.flux1(), plan.v3Database(), plan.flatDatabase()));
        ConvertReport r = FlatConversion.verifyAll(plan.flux1(), plan.v3Database(), plan.flatDatabase(),
                plan.stateDir().resolve("work").resolve("phase5"), connections);
        r.lines().forEach(line -> log.info("   {}", line));
        details.put("field_by_field", "every row of every finished conversion, no difference");
        return details;
    }

    // ---- 1 ---------------------------------------------------------------------------------

    private Map<String, Object> copyToFlux2() {
        refuseIfServicePointsAt(plan.service().flux2(), "flux2", "drop and recopy the databases on flux2");
        return copy(plan.flux1(), plan.flux2(), List.of(plan.v3Database(), plan.flatDatabase()), "phase1");
    }

    private Map<String, Object> copy(Endpoint from, Endpoint to, List<String> dbs, String work) {
        CopySpec spec = new CopySpec(from, to, dbs, plan.copyJobs(), plan.copyJobs(), SPLIT_LARGER_THAN, true, false,
                VerifyMode.COUNTS, false, plan.stateDir().resolve("work").resolve(work), 64, 64 * 1024, false);
        List<CopyReport> reports = new CopyJob(spec, connections, CopyJob.Listener.NONE, copyMetrics).run();
        Map<String, Object> details = new LinkedHashMap<>();
        for (CopyReport r : reports) {
            r.summaryLines().forEach(line -> log.info("   {}", line));
            Json.writeFile(spec.workDir().resolve("report-" + r.database() + ".json"), r.toJson());
            details.put(r.database() + "_rows", r.rows());
            details.put(r.database() + "_bytes", r.bytes());
            details.put(r.database() + "_oid", servers.oid(to, r.database()));
        }
        return details;
    }

    // ---- 2 and 6 ---------------------------------------------------------------------------

    private Map<String, Object> repointToFlux2(PhaseLedger ledger) {
        servers.ping(plan.flux2());
        Map<String, Long> expected = servers.rowCounts(plan.flux1(), plan.flatDatabase());
        Map<String, Long> actual = servers.rowCounts(plan.flux2(), plan.flatDatabase());
        if (!expected.equals(actual)) {
            Map<String, String> diff = new LinkedHashMap<>();
            for (String t : expected.keySet()) {
                if (!expected.get(t).equals(actual.get(t))) {
                    diff.put(t, "flux1 " + expected.get(t) + ", flux2 " + actual.get(t));
                }
            }
            actual.keySet().stream().filter(t -> !expected.containsKey(t)).forEach(t -> diff.put(t, "only on flux2"));
            throw new FastcopyException(FastcopyException.VERIFY_MISMATCH, plan.flatDatabase() + " on flux2 differs from "
                    + "flux1 in " + diff.size() + " tables " + diff + "; the service conf is unchanged");
        }
        Map<String, Object> details = repoint(plan.service().flux2(), "flux2", ledger);
        details.put("tables_compared", expected.size());
        details.put("rows_compared", expected.values().stream().mapToLong(Long::longValue).sum());
        return details;
    }

    private Map<String, Object> repointToFlux1(PhaseLedger ledger) {
        if (ledger.entry(Phase.VERIFY).status != PhaseLedger.Status.DONE) {
            throw new FastcopyException(FastcopyException.USAGE, "phase 6 points the service at flux1's "
                    + plan.flatDatabase() + ", which phase 5 has not verified in this run; run phase 5 first");
        }
        servers.ping(plan.flux1());
        servers.scalar(plan.flux1(), plan.flatDatabase(), "SELECT count(*) FROM mpi_install");
        return repoint(plan.service().flux1(), "flux1", ledger);
    }

    private Map<String, Object> repoint(ServiceConf.Address to, String name, PhaseLedger ledger) {
        MigratePlan.ServiceTarget s = plan.service();
        Path backup = s.conf().resolveSibling(s.conf().getFileName() + ".before-" + name + "-" + ledger.runId());
        ServiceConf.repoint(s.conf(), s.section(), s.hostKey(), s.portKey(), to, backup);
        if (!ServiceConf.read(s.conf(), s.section()).pointsAt(s.hostKey(), s.portKey(), to)) {
            throw new FastcopyException(FastcopyException.FAILED, "service conf " + s.conf() + " does not read back as "
                    + to + " after the rewrite");
        }
        log.info("   [{}] of {} now points at {} ({}); backup {}", s.section(), s.conf(), name, to, backup);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("service_points_at", to.toString());
        details.put("backup", backup.toString());
        return details;
    }

    private void refuseIfServicePointsAt(ServiceConf.Address address, String name, String action) {
        MigratePlan.ServiceTarget s = plan.service();
        if (ServiceConf.read(s.conf(), s.section()).pointsAt(s.hostKey(), s.portKey(), address)) {
            throw new FastcopyException(FastcopyException.USAGE, "[" + s.section() + "] of " + s.conf()
                    + " points at " + name + " (" + address + "): refusing to " + action + " under the running service");
        }
    }

    // ---- 4 ---------------------------------------------------------------------------------

    private Map<String, Object> convert(PhaseLedger ledger) {
        refuseIfServicePointsAt(plan.service().flux1(), "flux1", "drop and rebuild " + plan.flatDatabase() + " on flux1");
        if (ledger.entry(Phase.CONVERT).details.get("flat_dropped") == null) {
            servers.drop(plan.flux1(), plan.flatDatabase());
            // Recorded at once: a resumed phase 4 continues the conversion instead of dropping it again.
            ledger.mark(Phase.CONVERT, "flat_dropped", now().toString());
            log.info("   dropped {} on flux1; the conversion sets it up again", plan.flatDatabase());
        } else {
            log.info("   {} on flux1 was dropped by an earlier attempt; continuing its conversion", plan.flatDatabase());
        }
        ConvertReport r = FlatConversion.convert(plan.flux1(), plan.v3Database(), plan.flatDatabase(), plan.convertJobs(),
                plan.stateDir().resolve("work").resolve("phase4"), connections, listener.convertListener());
        r.lines().forEach(line -> log.info("   {}", line));
        Json.writeFile(plan.stateDir().resolve("work").resolve("phase4").resolve("convert-" + plan.flatDatabase() + ".json"),
                r.toJson());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("convert_run", r.runId());
        details.put("convert_note", r.note());
        details.put("test_run_ranges", r.parts().stream().filter(x -> x.key().startsWith("test_run:")).count());
        details.put("test_run_rows_this_attempt", r.testRunRows());
        details.put("dangling", r.dangling());
        return details;
    }

    // ---- 7 and 8 ---------------------------------------------------------------------------

    private Map<String, Object> dropFlux2Copies() {
        refuseIfServicePointsAt(plan.service().flux2(), "flux2", "drop the copies on flux2");
        servers.drop(plan.flux2(), plan.flatDatabase());
        servers.drop(plan.flux2(), plan.v3Database());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("dropped", List.of(plan.v3Database(), plan.flatDatabase()));
        return details;
    }

    private Map<String, Object> watermark() {
        // The runbook's step 9, verbatim: the newest result the next incremental run starts after.
        String mpiInstall = servers.text(plan.flux1(), plan.flatDatabase(), "SELECT max(start_timestamp)::text FROM mpi_install");
        String testRun = servers.text(plan.flux1(), plan.flatDatabase(), "SELECT max(start_timestamp)::text FROM test_run");
        say("watermark: max(start_timestamp) of " + plan.flatDatabase() + ".mpi_install on flux1 = " + mpiInstall
                + " (test_run: " + testRun + ")");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("mpi_install_max_start_timestamp", mpiInstall);
        details.put("test_run_max_start_timestamp", testRun);
        return details;
    }

    // ---- helpers ---------------------------------------------------------------------------

    private void say(String line) {
        log.info(line);
        out.println(now().truncatedTo(ChronoUnit.SECONDS) + " " + line);
        out.flush();
    }

    private static Instant now() {
        return Instant.now();
    }
}
