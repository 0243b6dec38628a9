package org.fastcopy.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.EndpointResolver;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.MicrometerCopyMetrics;
import org.fastcopy.metrics.PrometheusEndpoint;
import org.fastcopy.migrate.MigrateJob;
import org.fastcopy.migrate.MigrateListener;
import org.fastcopy.migrate.MigratePlan;
import org.fastcopy.migrate.Phase;
import org.fastcopy.migrate.PlanParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code fastcopy migrate}: the whole runbook (steps 1-9) as named, recorded, resumable phases. */
@Command(name = "migrate",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        showDefaultValues = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {"Runs the MTT runbook from a plan file: 1 copy v3 and flat flux1 -> flux2, 2 point the service "
                + "conf at flux2, 3 refresh v3 on flux1 from production, 4 rebuild flat on flux1 (convert, auto ranges), "
                + "5 verify flat against v3, 6 point the service back at flux1, 7 drop the copies on flux2 (optional), "
                + "8 record the watermark.",
                "Each phase is recorded in STATE-DIR/migrate-state.json; --resume continues from the phase that failed "
                        + "and never redoes a finished one. The plan is checked completely before anything runs."},
        footer = {"", "Examples:",
                "  fastcopy migrate --plan conf/migrate.conf --dry-run     # phases, sizes, estimated times",
                "  fastcopy migrate --plan conf/migrate.conf",
                "  fastcopy migrate --plan conf/migrate.conf --resume      # after a failure or a kill",
                "  fastcopy migrate --plan conf/migrate.conf --only 3,4",
                "  fastcopy migrate --plan conf/migrate.conf --resume --from 6",
                "  fastcopy migrate --plan conf/migrate.conf --notify-cmd /usr/local/bin/pushover-phase",
                "",
                "Notify command environment: FASTCOPY_PHASE, FASTCOPY_PHASE_NAME, FASTCOPY_EVENT (start, end, fail, skip),",
                "FASTCOPY_ELAPSED_S, FASTCOPY_ERROR, FASTCOPY_MESSAGE, FASTCOPY_RUN_ID, FASTCOPY_PLAN; never a password.",
                "Exit codes: 0 ok, 2 usage or refused plan, 3 connection, 4 failed, 5 verify mismatch, 130 interrupted."})
public final class MigrateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--plan", required = true, paramLabel = "FILE", description = "The migration plan (see conf/migrate.conf).")
    Path planFile;

    @Option(names = "--resume", description = "Continue the unfinished run recorded in the state dir.")
    boolean resume;

    @Option(names = "--dry-run", description = "Print the phases with sizes and estimated durations measured on the "
            + "servers; change nothing.")
    boolean dryRun;

    @Option(names = "--only", paramLabel = "N[,N...]", description = "Run only these phases (numbers or names).")
    String only;

    @Option(names = "--from", paramLabel = "N", description = "Run this phase and the ones after it.")
    String from;

    @Option(names = "--notify-cmd", paramLabel = "CMD", description = "Shell command run on each phase start, end and "
            + "failure (overrides the plan's notify).")
    String notifyCmd;

    @Mixin
    MetricsOptions metrics;

    @Mixin
    LogOptions logging;

    @Mixin
    ProgressOptions progress;

    @Override
    public Integer call() {
        List<Phase> phases = Phase.select(only, from);
        metrics.validate();
        MigratePlan plan = PlanParser.parse(planFile, MigrateCommand::resolver);
        if (notifyCmd != null) {
            plan = plan.withNotifyCommand(notifyCmd);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrometheusMeterRegistry prometheus = !metrics.enabled() || dryRun ? null : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MeterRegistry registry = prometheus == null ? new SimpleMeterRegistry() : prometheus;
        CopyMetrics.Factory copyMetrics = prometheus == null ? CopyMetrics.Factory.NONE : MicrometerCopyMetrics.factory(prometheus);
        // Closed when the run ends, failed or not: a finished migration leaves no port open.
        try (PrometheusEndpoint endpoint = prometheus == null ? null : metrics.start(prometheus)) {
            MigrateJob job = new MigrateJob(plan, Connections.fromSystem(), MigrateListener.NONE, registry, copyMetrics, out);
            if (dryRun) {
                job.dryRun(phases);
            } else {
                job.run(phases, resume);
            }
        }
        return 0;
    }

    /** As the other commands resolve endpoints, with the plan's hosts-file searched first. */
    private static EndpointResolver resolver(List<Path> planHostsFiles) {
        return EndpointResolver.fromSystem(new ArrayList<>(planHostsFiles),
                List.of(CliEndpoints.home().resolve("conf").resolve("hosts.conf")));
    }

}
