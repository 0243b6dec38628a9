package org.fastcopy.migrate;

import io.micrometer.core.instrument.MeterRegistry;
import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.report.RunRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The runbook as one resumable command: the phases of {@link Phase} (this job's steps, named as
 * the runbook and {@code --only}/{@code --from} name them) in order, each started, recorded in the
 * {@link PhaseLedger}, notified and logged ("phase 4 convert: start", "phase 4 convert: done in
 * 12.3 s") with its time, one checked call each into {@link MigratePhases}. A phase that fails is
 * recorded as failed and ends the run with its exit code; {@code --resume} runs it again from its
 * start (a copy starts over with a drop; the conversion continues from its own ledger) and never
 * runs a finished phase again. The report lists the phases with the same labels.
 */
public final class MigrateJob {
    private static final Logger log = LoggerFactory.getLogger("fastcopy.migrate");

    private final MigratePlan plan;
    private final Servers servers;
    private final MigrateListener listener;
    private final MigrateMetrics metrics;
    private final MigratePhases phases;
    private final PrintWriter out;

    public MigrateJob(MigratePlan plan, Connections connections, MigrateListener listener, MeterRegistry registry,
                      CopyMetrics.Factory copyMetrics, PrintWriter out) {
        this.plan = plan;
        this.servers = new Servers(connections);
        this.listener = listener;
        this.metrics = new MigrateMetrics(registry);
        this.out = out;
        this.phases = new MigratePhases(plan, connections, servers, listener, copyMetrics, registry, out, this::say);
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
            phases.stopFollowers();
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
            RunRecorder.current().stepSkipped("migrate", "phase " + p.label(), "drop-flux2-copies = no");
            say("phase " + p.label() + ": skipped (drop-flux2-copies = no)");
            notifier.send(p, Notifier.Event.SKIP, 0, "drop-flux2-copies = no");
            return;
        }
        ledger.started(p, now());
        RunRecorder.Step recorded = RunRecorder.current().stepStarted("migrate", "phase " + p.label());
        metrics.started(p);
        say("phase " + p.label() + ": start (runbook " + p.runbookSteps + "): " + p.summary);
        notifier.send(p, Notifier.Event.START, 0, null);
        try {
            listener.phaseStarted(p);
            Map<String, Object> details = phases.execute(p, ledger);
            ledger.done(p, now(), details);
            recorded.done();
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
