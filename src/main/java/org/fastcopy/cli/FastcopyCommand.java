package org.fastcopy.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fastcopy.FastcopyException;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopyReport;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.data.EncodingErrors;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.MicrometerCopyMetrics;
import org.fastcopy.metrics.PrometheusEndpoint;
import org.fastcopy.roles.RoleOptions;
import org.fastcopy.util.ByteSize;
import org.fastcopy.util.Json;
import org.fastcopy.verify.VerifyMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code fastcopy --src A --dst B --db D}: the copy itself, and the parent of the other commands.
 */
@Command(name = "fastcopy",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        showDefaultValues = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {"Copies whole PostgreSQL databases from one server to another: one consistent snapshot, "
                + "parallel COPY streams, schema, indexes, keys, rules and sequences included, resumable.",
                "With no --src it prints this help."},
        subcommands = {GenerateCommand.class, VerifyCommand.class, DemoCommand.class, ClusterCommand.class,
                ConvertCommand.class, MigrateCommand.class, DelayProxyCommand.class, CutoverCommand.class,
                FollowCommand.class},
        footer = {"",
                "Examples:",
                "  fastcopy --src flux1 --dst flux2 --db mttv3 --jobs 16",
                "  fastcopy --src flux1 --dst flux2 --db mttv3,mttflat --drop-if-exists --verify checksums",
                "  fastcopy --src flux1 --dst flux2 --db mttv3 --resume       # after a crash or a kill",
                "  fastcopy --src flux1 --dst flux2 --db mttv3 --dry-run      # print the plan only",
                "  fastcopy --src flux1 --dst flux2 --db mttv3 --encoding-errors replace   # SQL_ASCII source, UTF8 target",
                "  fastcopy --src flux1 --dst flux2 --db mttv3 --follow       # copy, then stream changes until cutover",
                "  fastcopy demo                                              # two local clusters, generated MTT data",
                "",
                "Endpoints (--src/--dst) follow libpq: a service name from conf/hosts.conf (or --hosts-file),",
                "PGSERVICEFILE or ~/.pg_service.conf, a postgresql:// URI, a key=value conninfo, or a host name",
                "with PGPORT/PGUSER. Passwords come from ~/.pgpass, PGPASSFILE or PGPASSWORD, never from a flag.",
                "Exit codes: 0 ok, 2 usage, 3 connection, 4 failed, 5 verify mismatch, 130 SIGINT, 143 SIGTERM."})
public final class FastcopyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--src", paramLabel = "ENDPOINT", description = "Source server (service name, URI, conninfo or host).")
    String src;

    @Option(names = "--dst", paramLabel = "ENDPOINT", description = "Target server.")
    String dst;

    @Option(names = "--db", paramLabel = "NAME[,NAME...]", split = ",", converter = CliEndpoints.DatabaseName.class,
            description = "Databases to copy, each under its own name; repeatable; a name holding a comma in double "
                    + "quotes: --db '\"a,b\"' (default: the database of --src).")
    List<String> databases;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "4",
            description = "Parallel COPY streams, each a source and a target connection.")
    int jobs;

    @Option(names = "--index-jobs", paramLabel = "N",
            description = "Parallel connections building indexes, keys and rules (default: --jobs, plus one per "
                    + "job for each ms of round trip to the target, up to 2 x --jobs: over a network each of "
                    + "thousands of small items waits a round trip).")
    Integer indexJobs;

    @Option(names = "--split-larger-than", paramLabel = "SIZE", defaultValue = "1GB",
            description = "Cut tables larger than this into ctid chunks copied in parallel (0: never).")
    String splitLargerThan;

    @Option(names = "--drop-if-exists", description = "Drop a target database that exists (runbook step 1a).")
    boolean dropIfExists;

    @Option(names = "--resume", description = "Continue an interrupted copy: finished units are kept, the rest redone.")
    boolean resume;

    @Option(names = "--verify", paramLabel = "MODE", defaultValue = "counts",
            description = "What to compare at the end: ${COMPLETION-CANDIDATES}.")
    VerifyMode verify;

    @Option(names = "--dry-run", description = "Print the plan (tables, sizes, chunks, order) and exit.")
    boolean dryRun;

    @Option(names = "--workdir", paramLabel = "DIR", defaultValue = "fastcopy-work",
            description = "Where the schema dump, its logs and the JSON report go.")
    Path workDir;

    @Option(names = "--ring-slots", paramLabel = "N", defaultValue = "64",
            description = "Buffers in each stream's ring (a power of two); memory per stream is slots x buffer size.")
    int ringSlots;

    @Option(names = "--buffer-size", paramLabel = "SIZE", defaultValue = "64kB", description = "Bytes per ring buffer.")
    String bufferSize;

    @Option(names = "--maintenance-work-mem", paramLabel = "SIZE", defaultValue = "256MB",
            description = "maintenance_work_mem of each index-building session (0: the target's own setting); "
                    + "mind --index-jobs x this on the target.")
    String maintenanceWorkMem;

    @Option(names = "--keep-ledger", description = "Keep the _fastcopy ledger schema on the target after success.")
    boolean keepLedger;

    @Option(names = "--encoding-errors", paramLabel = "POLICY", defaultValue = "fail",
            converter = EncodingErrorsConverter.class,
            description = "Rows of a SQL_ASCII source whose bytes are not valid UTF8 in the target: fail (name the "
                    + "table and count them, commit nothing of it), replace (invalid bytes become U+FFFD) or skip "
                    + "(leave the rows out); replaced and skipped rows are counted per table in the report.")
    EncodingErrors encodingErrors;

    @Option(names = "--pg-bin", paramLabel = "DIR",
            description = "Directory of the pg_dump and pg_restore to use (default: the oldest installed "
                    + "/usr/lib/postgresql/*/bin not older than the source server, else PG_BIN).")
    Path pgBin;

    @Option(names = "--roles",
            description = "Create the roles the database names (owners, grantees, policy roles) that the target lacks, "
                    + "from the source's pg_dumpall --roles-only, without passwords (default: list them and stop).")
    boolean createRoles;

    @Option(names = "--roles-with-passwords",
            description = "As --roles, with the roles' passwords (needs a superuser on the source).")
    boolean rolesWithPasswords;

    @Option(names = "--no-owner", description = "Leave ownership out: objects belong to the role running the copy.")
    boolean noOwner;

    @Option(names = "--no-privileges",
            description = "Leave GRANT/REVOKE and default privileges out.")
    boolean noPrivileges;

    @Option(names = "--hosts-file", paramLabel = "FILE",
            description = "A pg_service.conf-format file of endpoint names (default: conf/hosts.conf).")
    Path hostsFile;

    @Option(names = "--follow", description = "After the copy, stream the source's changes to the target (logical "
            + "replication slot and publication; wal_level=logical) until `fastcopy cutover` or SIGUSR1 (docs/follow.md).")
    boolean follow;

    @Option(names = "--follow-insert-only", description = "With --follow: follow tables without a primary key or "
            + "replica identity for their INSERTs only instead of refusing them.")
    boolean followInsertOnly;

    @Option(names = "--keep-slot", description = "With --follow: leave the slot and publications on the source at cutover.")
    boolean keepSlot;

    @Option(names = "--slot-name", paramLabel = "NAME", description = "With --follow: the replication slot's (and "
            + "publication's) name (default: fastcopy_ and the database name).")
    String slotName;

    @Mixin
    MetricsOptions metrics;

    @Mixin
    LogOptions logging;

    @Mixin
    ProgressOptions progress;

    @Mixin
    ReportOptions report;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (src == null && dst == null) {
            spec.commandLine().usage(out);
            return 0;
        }
        CopySpec copy = copySpec();
        metrics.validate();
        if (!follow && (followInsertOnly || keepSlot || slotName != null)) {
            throw new FastcopyException(FastcopyException.USAGE, "--follow-insert-only, --keep-slot and --slot-name "
                    + "need --follow");
        }
        if (follow) {
            return report.record(spec, () -> new FollowRun(copy, followInsertOnly, keepSlot, slotName, metrics).run(out));
        }
        return report.record(spec, () -> copy(copy, out));
    }

    private int copy(CopySpec copy, PrintWriter out) {
        List<CopyReport> reports;
        PrometheusMeterRegistry registry = !metrics.enabled() ? null : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Closed when the run ends, failed or not: a finished copy leaves no port open.
        try (PrometheusEndpoint endpoint = registry == null ? null : metrics.start(registry)) {
            reports = new CopyJob(copy, Connections.fromSystem(), CopyJob.Listener.NONE,
                    registry == null ? CopyMetrics.Factory.NONE : MicrometerCopyMetrics.factory(registry)).run();
        }
        for (CopyReport r : reports) {
            (r.isDryRun() ? r.planLines() : r.summaryLines()).forEach(out::println);
            if (!r.isDryRun()) {
                Json.writeFile(copy.workDir().resolve("report-" + r.database() + ".json"), r.toJson());
            }
        }
        out.flush();
        return 0;
    }

    CopySpec copySpec() {
        if (dst == null) {
            throw new FastcopyException(FastcopyException.USAGE, "--dst is missing");
        }
        Endpoint source = CliEndpoints.resolve(src, hostsFile, "--src");
        Endpoint target = CliEndpoints.resolve(dst, hostsFile, "--dst");
        List<String> dbs = new java.util.ArrayList<>();
        for (CliEndpoints.DatabasePair pair : CliEndpoints.databases(databases, src, source, dst, target, hostsFile)) {
            // pg_dump's CREATE DATABASE, its settings, comment and grants all name the source's
            // database: a copy under another name is refused rather than made under the old one.
            if (pair.renamed()) {
                throw new FastcopyException(FastcopyException.USAGE, "--dst names database "
                        + CliEndpoints.quoted(pair.target()) + " but the source database is "
                        + CliEndpoints.quoted(pair.source()) + ": a copy keeps its database's name; name "
                        + CliEndpoints.quoted(pair.source()) + " or no database in --dst");
            }
            dbs.add(pair.source());
        }
        if (indexJobs != null && indexJobs < 1) {
            throw new FastcopyException(FastcopyException.USAGE, "--index-jobs " + indexJobs + " is not in [1, "
                    + CopySpec.MAX_JOBS + "]");
        }
        return new CopySpec(source, target, dbs, jobs, indexJobs == null ? CopySpec.INDEX_JOBS_FROM_ROUND_TRIP : indexJobs,
                size(splitLargerThan, "--split-larger-than"), dropIfExists, resume, verify, dryRun, workDir,
                ringSlots, (int) Math.min(Integer.MAX_VALUE, size(bufferSize, "--buffer-size")), keepLedger,
                size(maintenanceWorkMem, "--maintenance-work-mem"), encodingErrors, pgBin,
                new RoleOptions(createRoles || rolesWithPasswords, rolesWithPasswords, noOwner, noPrivileges));
    }


    /** fail|replace|skip, in lower case as the help shows them. */
    static final class EncodingErrorsConverter implements picocli.CommandLine.ITypeConverter<EncodingErrors> {
        @Override
        public EncodingErrors convert(String value) {
            try {
                return EncodingErrors.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not one of fail, replace, skip");
            }
        }
    }

    private static long size(String text, String option) {
        try {
            return ByteSize.parse(text);
        } catch (IllegalArgumentException e) {
            throw new FastcopyException(FastcopyException.USAGE, option + ": " + e.getMessage());
        }
    }


}
