package org.fastcopy.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.fastcopy.FastcopyException;
import org.fastcopy.convert.ConvertFollow;
import org.fastcopy.convert.ConvertJob;
import org.fastcopy.convert.ConvertListener;
import org.fastcopy.convert.ConvertReport;
import org.fastcopy.convert.ConvertSpec;
import org.fastcopy.convert.VerifyOptions;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.metrics.PrometheusEndpoint;
import org.fastcopy.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code fastcopy convert} (or {@code bin/convert}): MTT v3 to mttflat, runbook steps 5, 6 and 9. */
@Command(name = "convert",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        showDefaultValues = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {"Converts an MTT v3 database into the denormalised mttflat: base tables (submit, mpi_install, "
                + "test_build) as streams, then test_run in date ranges on parallel workers. Each range commits with "
                + "its ledger mark: a rerun resumes, never duplicates. The flat database keeps a watermark for "
                + "--incremental.",
                "The flat database and its tables are created when missing.",
                "--verify checks the result against v3: row counts per base table and per range, rows compared field "
                + "by field (a seeded sample per range and table, every row with --full), dangling references listed. "
                + "--verify-only does the same for what earlier runs converted, converting nothing."},
        footer = {"", "Examples:",
                "  fastcopy convert --src flux1 --dst flux1 --db mttv3 --flat-db mttflat --ranges auto --jobs 4 --verify",
                "  fastcopy convert --src flux1 --dst flux1 --db mttv3 --flat-db mttflat --ranges 2012-01-01,2013-01-01",
                "  fastcopy convert --src flux1 --dst flux1 --db mttv3 --flat-db mttflat --incremental",
                "  fastcopy convert --src flux1 --dst flux1 --db mttv3 --flat-db mttflat --verify-only --full",
                "  fastcopy convert --src flux1 --db mttv3 --flat-db mttflat --follow --until-caught-up",
                "  fastcopy convert --src flux1 --db mttv3 --flat-db mttflat --follow --verify-every 10m",
                "",
                "bin/convert takes the same arguments as fastcopy convert.",
                "Exit codes: 0 ok, 2 usage, 3 connection, 4 failed, 5 verify mismatch (as fastcopy verify), 130 SIGINT, 143 SIGTERM."})
public final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--src", required = true, paramLabel = "ENDPOINT", description = "Server of the v3 database.")
    String src;

    @Option(names = "--dst", paramLabel = "ENDPOINT", description = "Server of the flat database (default: --src).")
    String dst;

    @Option(names = "--db", paramLabel = "NAME", defaultValue = "mttv3", description = "The v3 database.")
    String db;

    @Option(names = "--flat-db", paramLabel = "NAME", defaultValue = "mttflat", description = "The flat database.")
    String flatDb;

    @Option(names = "--ranges", paramLabel = "auto|DATE[,DATE...]", defaultValue = "auto",
            description = "test_run date ranges: auto (about equal rows, 4 per job) or increasing cut points.")
    String ranges;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "4", description = "Parallel range workers.")
    int jobs;

    @Option(names = "--setup", description = "Create the flat tables (automatic when the flat database is missing; "
            + "an existing set-up database is kept).")
    boolean setup;

    @Option(names = "--incremental", description = "Convert only rows newer than the flat database's watermark.")
    boolean incremental;

    @Option(names = "--verify", description = "After converting, compare flat with v3: counts per base table and "
            + "range, a sample of rows field by field, dangling references. Exit 5 on a difference.")
    boolean verify;

    @Option(names = "--verify-only", description = "Convert nothing; verify every finished run in --flat-db as "
            + "--verify does.")
    boolean verifyOnly;

    @Option(names = "--full", description = "With --verify or --verify-only: compare every row, not a sample.")
    boolean full;

    @Option(names = "--sample", paramLabel = "N", defaultValue = "200",
            description = "Rows compared field by field per range and per base table (without --full).")
    int sample;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Picks the sample's rows.")
    long seed;

    @Option(names = "--workdir", paramLabel = "DIR", defaultValue = "fastcopy-work", description = "Where the JSON report goes.")
    Path workDir;

    @Option(names = "--hosts-file", paramLabel = "FILE", description = "A pg_service.conf-format file of endpoint names.")
    Path hostsFile;

    @Option(names = "--toast-compression", paramLabel = "lz4|pglz", defaultValue = ConvertSpec.DEFAULT_TOAST_COMPRESSION,
            description = "How the flat server compresses the large values it stores (stdout, stderr), set on the "
                    + "loading sessions only (default_toast_compression): lz4 is several times cheaper in CPU than "
                    + "PostgreSQL's default pglz and reads back faster; pglz where the flat data must stay readable "
                    + "by servers built without lz4. A server without lz4 gets pglz, with a warning.")
    String toastCompression;

    @Option(names = "--follow", description = "After converting, keep flat current from v3's change stream (a slot "
            + "and a publication named --slot on v3; wal_level=logical). Rerun with --follow to resume.")
    boolean follow;

    @Option(names = "--until-caught-up", description = "With --follow: stop once everything committed on v3 before "
            + "following started is in flat.")
    boolean untilCaughtUp;

    @Option(names = "--slot", paramLabel = "NAME", defaultValue = "fastcopy_convert",
            description = "With --follow: the replication slot and publication on v3.")
    String slot;

    @Option(names = "--verify-every", paramLabel = "DURATION", converter = ProgressOptions.IntervalConverter.class,
            description = "With --follow: compare flat with v3 this often while following (30s, 10m): counts per base "
                    + "table and per year of test_run, a sample of rows field by field; what v3 committed after flat's "
                    + "position is not a difference. Differences are logged; the run goes on.")
    java.time.Duration verifyEvery;

    @Mixin
    MetricsOptions metrics;

    @Mixin
    LogOptions logging;

    @Mixin
    ProgressOptions progress;

    @Mixin
    ReportOptions reportHtml;

    @Override
    public Integer call() {
        metrics.validate();
        if (untilCaughtUp && !follow) {
            throw new FastcopyException(FastcopyException.USAGE, "--until-caught-up needs --follow");
        }
        if (verifyEvery != null && !follow) {
            throw new FastcopyException(FastcopyException.USAGE, "--verify-every needs --follow");
        }
        if (follow && verifyOnly) {
            throw new FastcopyException(FastcopyException.USAGE, "--verify-only converts nothing: drop --follow");
        }
        // Options are checked before anything connects: a bad --ranges costs nothing.
        VerifyOptions check = new VerifyOptions(verify || verifyOnly, verifyOnly, full, sample, seed);
        List<LocalDateTime> cuts = ConvertSpec.parseRanges(ranges);
        Endpoint source = CliEndpoints.resolve(src, hostsFile, "--src");
        Endpoint target = dst == null ? source : CliEndpoints.resolve(dst, hostsFile, "--dst");
        ConvertSpec cs = new ConvertSpec(source, target, db, flatDb, cuts, jobs, 4, setup, incremental, check, workDir,
                toastCompression);
        return reportHtml.record(spec, () -> convert(cs));
    }

    private int convert(ConvertSpec cs) {
        PrometheusMeterRegistry registry = !metrics.enabled() ? null : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (PrometheusEndpoint endpoint = registry == null ? null : metrics.start(registry)) {
            return convert(cs, registry);
        }
    }

    private int convert(ConvertSpec cs, PrometheusMeterRegistry registry) {
        ConvertReport report = new ConvertJob(cs, Connections.fromSystem(), ConvertListener.NONE, registry).run();
        PrintWriter out = spec.commandLine().getOut();
        report.lines().forEach(out::println);
        out.flush();
        Json.writeFile(workDir.resolve("convert-" + flatDb + ".json"), report.toJson());
        if (!report.verifyMismatches().isEmpty()) {
            throw new FastcopyException(FastcopyException.VERIFY_MISMATCH, "verify: " + report.verifyMismatches().size()
                    + " difference(s), first: " + report.verifyMismatches().get(0) + "; see above");
        }
        if (follow) {
            try (ConvertFollow f = new ConvertFollow(cs, Connections.fromSystem(), slot, slot, registry)) {
                f.prepare();
                f.untilCaughtUp(untilCaughtUp);
                if (verify || verifyEvery != null) {
                    f.verify(verify, verifyEvery, cs.verify());
                }
                ConvertFollow.Result r = f.run();
                out.println("followed " + r.transactions() + " v3 transaction(s), " + r.rows() + " flat row(s) written, "
                        + r.skipped() + " skipped as already converted; flat is current up to " + r.next());
                out.flush();
                if (!f.verifyProblems().isEmpty()) {
                    throw new FastcopyException(FastcopyException.VERIFY_MISMATCH, "convert --follow --verify: "
                            + f.verifyProblems().size() + " difference(s), first: " + f.verifyProblems().get(0)
                            + "; see the log");
                }
            }
        }
        return 0;
    }

}
