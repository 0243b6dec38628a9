package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.convert.ConvertJob;
import org.fastcopy.convert.ConvertListener;
import org.fastcopy.convert.ConvertReport;
import org.fastcopy.convert.ConvertSpec;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
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
                "The flat database and its tables are created when missing."},
        footer = {"", "Examples:",
                "  fastcopy convert --src flux1 --dst flux1 --db mttv3 --flat-db mttflat --ranges auto --jobs 4",
                "  fastcopy convert --src flux1 --dst flux1 --db mttv3 --flat-db mttflat --ranges 2012-01-01,2013-01-01",
                "  fastcopy convert --src flux1 --dst flux1 --db mttv3 --flat-db mttflat --incremental",
                "",
                "bin/convert takes the same arguments as fastcopy convert.",
                "Exit codes: 0 ok, 2 usage, 3 connection, 4 failed, 5 verify mismatch, 130 SIGINT, 143 SIGTERM."})
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

    @Option(names = "--verify", description = "Compare row counts per base table and per range at the end.")
    boolean verify;

    @Option(names = "--workdir", paramLabel = "DIR", defaultValue = "fastcopy-work", description = "Where the JSON report goes.")
    Path workDir;

    @Option(names = "--hosts-file", paramLabel = "FILE", description = "A pg_service.conf-format file of endpoint names.")
    Path hostsFile;

    @Override
    public Integer call() {
        Endpoint source = CliEndpoints.resolve(src, hostsFile, "--src");
        Endpoint target = dst == null ? source : CliEndpoints.resolve(dst, hostsFile, "--dst");
        ConvertSpec cs = new ConvertSpec(source, target, db, flatDb, ConvertSpec.parseRanges(ranges), jobs, 4, setup,
                incremental, verify, workDir);
        ConvertReport report = new ConvertJob(cs, Connections.fromSystem(), ConvertListener.NONE).run();
        PrintWriter out = spec.commandLine().getOut();
        report.lines().forEach(out::println);
        out.flush();
        Json.writeFile(workDir.resolve("convert-" + flatDb + ".json"), report.toJson());
        if (!report.verifyMismatches().isEmpty()) {
            throw new FastcopyException(FastcopyException.VERIFY_MISMATCH, "verify: row counts differ (v3 minus flat): "
                    + report.verifyMismatches());
        }
        return 0;
    }
}
