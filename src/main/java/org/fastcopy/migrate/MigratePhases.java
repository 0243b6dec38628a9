package org.fastcopy.migrate;

import io.micrometer.core.instrument.MeterRegistry;
import org.fastcopy.FastcopyException;
import org.fastcopy.convert.ConvertFollow;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What each {@link Phase} does, one method per phase in the runbook's order, each a call into
 * copy, convert or the service conf; {@link MigrateJob} runs them and records them. A phase
 * returns the details the ledger and the report keep, or throws.
 *
 * <p>Safety rules, checked from the service conf itself before a phase changes anything: no phase
 * drops the flat database the service is pointed at (1 and 7 refuse while it points at flux2, 4
 * while it points at flux1), and phase 6 points the service back only after phase 5 has verified
 * flux1's flat in this run.
 */
final class MigratePhases {
    private static final Logger log = LoggerFactory.getLogger("fastcopy.migrate");
    private static final long SPLIT_LARGER_THAN = 1L << 30;

    private final MigratePlan plan;
    private final Connections connections;
    private final Servers servers;
    private final MigrateListener listener;
    private final CopyMetrics.Factory copyMetrics;
    private final FollowPhases following;
    /** The operator's output (and the log): for what a phase reports beyond its details. */
    private final Consumer<String> say;

    MigratePhases(MigratePlan plan, Connections connections, Servers servers, MigrateListener listener,
                  CopyMetrics.Factory copyMetrics, MeterRegistry registry, PrintWriter out, Consumer<String> say) {
        this.plan = plan;
        this.connections = connections;
        this.servers = servers;
        this.listener = listener;
        this.copyMetrics = copyMetrics;
        this.say = say;
        this.following = new FollowPhases(plan, servers, new Followers(connections, copyMetrics, registry, out),
                this::copySpec, say);
    }

    /** Followers still running when the invocation ends stop, their slots kept for phase 2. */
    void stopFollowers() {
        following.stop();
    }

    Map<String, Object> execute(Phase p, PhaseLedger ledger) {
        return switch (p) {
            case COPY_TO_FLUX2 -> copyToFlux2();
            case REPOINT_TO_FLUX2 -> repointToFlux2(ledger);
            case REFRESH_V3 -> refreshV3();
            case CONVERT -> convert(ledger);
            case VERIFY -> verifyFlat();
            case REPOINT_TO_FLUX1 -> repointToFlux1(ledger);
            case DROP_FLUX2_COPIES -> dropFlux2Copies();
            case WATERMARK -> watermark();
        };
    }

    /** 1 copy-to-flux2: v3 and flat from flux1 to flux2, refused while the service points at flux2. */
    private Map<String, Object> copyToFlux2() {
        refuseIfServicePointsAt(plan.service().flux2(), "flux2", "drop and recopy the databases on flux2");
        if (plan.follow()) {
            return following.copyAndFollow();
        }
        return copy(plan.flux1(), plan.flux2(), List.of(plan.v3Database(), plan.flatDatabase()), "phase1");
    }

    /** A {@code copy} of {@code dbs} (dropped on the target first), its reports kept in the work dir: phases 1 and 3. */
    private Map<String, Object> copy(Endpoint from, Endpoint to, List<String> dbs, String work) {
        CopySpec spec = copySpec(from, to, dbs, work, false);
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

    /** The copy of phases 1 and 3: the target dropped first, or (resume) a following copy continued. */
    private CopySpec copySpec(Endpoint from, Endpoint to, List<String> dbs, String work, boolean resume) {
        return new CopySpec(from, to, dbs, plan.copyJobs(), plan.copyJobs(), SPLIT_LARGER_THAN, !resume, resume,
                VerifyMode.COUNTS, false, plan.stateDir().resolve("work").resolve(work), 64, 64 * 1024, false);
    }

    /** 3 refresh-v3: v3 streamed from production onto flux1. */
    private Map<String, Object> refreshV3() {
        return copy(plan.production(), plan.flux1(), List.of(plan.v3Database()), "phase3");
    }

    /** 2 repoint-to-flux2: flux2's flat must hold flux1's row counts before the service moves. */
    private Map<String, Object> repointToFlux2(PhaseLedger ledger) {
        servers.ping(plan.flux2());
        if (!plan.follow()) {
            return compareThenRepoint(ledger);
        }
        // The cutover comes before the comparison (flux2 exact only then) and before the repoint.
        Map<String, Object> details = following.cutOver(ledger);
        try {
            details.putAll(compareThenRepoint(ledger));
        } catch (RuntimeException e) {
            following.thaw();
            throw e;
        }
        return details;
    }

    private Map<String, Object> compareThenRepoint(PhaseLedger ledger) {
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

    /** 4 convert: flat on flux1 dropped once (recorded at once), then converted; a retry continues it. */
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

    /** 5 verify: counts per table and month (independent of convert's code), then every field of every row. */
    private Map<String, Object> verifyFlat() {
        Map<String, Object> details = new LinkedHashMap<>(
                FlatCheck.verify(servers, plan.flux1(), plan.v3Database(), plan.flatDatabase()));
        ConvertReport r = FlatConversion.verifyAll(plan.flux1(), plan.v3Database(), plan.flatDatabase(),
                plan.stateDir().resolve("work").resolve("phase5"), connections);
        r.lines().forEach(line -> log.info("   {}", line));
        details.put("field_by_field", "every row of every finished conversion, no difference");
        return details;
    }

    /** 6 repoint-to-flux1: only after phase 5 verified flux1's flat in this run. */
    private Map<String, Object> repointToFlux1(PhaseLedger ledger) {
        if (ledger.entry(Phase.VERIFY).status != PhaseLedger.Status.DONE) {
            throw new FastcopyException(FastcopyException.USAGE, "phase 6 points the service at flux1's "
                    + plan.flatDatabase() + ", which phase 5 has not verified in this run; run phase 5 first");
        }
        servers.ping(plan.flux1());
        servers.scalar(plan.flux1(), plan.flatDatabase(), "SELECT count(*) FROM mpi_install");
        return repoint(plan.service().flux1(), "flux1", ledger);
    }

    /** 7 drop-flux2-copies. */
    private Map<String, Object> dropFlux2Copies() {
        refuseIfServicePointsAt(plan.service().flux2(), "flux2", "drop the copies on flux2");
        servers.drop(plan.flux2(), plan.flatDatabase());
        servers.drop(plan.flux2(), plan.v3Database());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("dropped", List.of(plan.v3Database(), plan.flatDatabase()));
        return details;
    }

    /**
     * 8 with {@code end = follow}: instead of a watermark for the next incremental run, flux1's
     * flat follows flux1's v3 ({@code convert --follow}) and is current when the phase ends; the
     * slot stays for the {@code convert --follow} the operator keeps running from then on.
     */
    private Map<String, Object> followFlat() {
        ConvertFollow.Result r = FlatConversion.followUntilCaughtUp(plan.flux1(), plan.v3Database(), plan.flatDatabase(),
                plan.convertJobs(), plan.stateDir().resolve("work").resolve("phase8"), connections);
        say.accept(plan.flatDatabase() + " on flux1 follows " + plan.v3Database() + " there and is current up to its LSN "
                + r.next() + " (" + r.transactions() + " v3 transaction(s) followed); keep it current with: fastcopy convert "
                + "--src '" + plan.flux1().name() + "' --db " + plan.v3Database() + " --flat-db " + plan.flatDatabase()
                + " --follow (replication slot " + FlatConversion.FOLLOW_SLOT + " on flux1 holds v3's WAL until it runs)");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("follow_slot", FlatConversion.FOLLOW_SLOT);
        details.put("flat_current_up_to", r.next().toString());
        details.put("v3_transactions_followed", r.transactions());
        details.put("flat_rows_written", r.rows());
        return details;
    }

    /** 8 watermark. */
    private Map<String, Object> watermark() {
        if (plan.endInFollow()) {
            return followFlat();
        }
        // The runbook's step 9, verbatim: the newest result the next incremental run starts after.
        String mpiInstall = servers.text(plan.flux1(), plan.flatDatabase(), "SELECT max(start_timestamp)::text FROM mpi_install");
        String testRun = servers.text(plan.flux1(), plan.flatDatabase(), "SELECT max(start_timestamp)::text FROM test_run");
        say.accept("watermark: max(start_timestamp) of " + plan.flatDatabase() + ".mpi_install on flux1 = " + mpiInstall
                + " (test_run: " + testRun + ")");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("mpi_install_max_start_timestamp", mpiInstall);
        details.put("test_run_max_start_timestamp", testRun);
        return details;
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

    private static Instant now() {
        return Instant.now();
    }
}
