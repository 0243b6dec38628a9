package org.fastcopy.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.generate.GenerateReport;
import org.fastcopy.generate.GenerateSpec;
import org.fastcopy.generate.MttV3Generator;
import org.fastcopy.generate.YearSpan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fastcopy generate}: an MTT v3 database with production's shape, for tests and benchmarks. */
@Command(name = "generate",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {"Generates an MTT v3 results database with production's shape: every table, the weekly "
                + "inheritance children of mpi_install, test_build and test_run with their CHECKs, keys, indexes "
                + "and insert rules, and deterministic data for (seed, scale, years).",
                "Scale 1 is about 1 GB on disk."},
        footer = {"", "Example:", "  fastcopy generate --dst flux1 --db mttv3 --scale 1 --seed 42 --drop-if-exists"})
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dst", required = true, paramLabel = "ENDPOINT",
            description = "Target server: service name, postgresql:// URI, conninfo or host.")
    String dst;

    @Option(names = "--db", paramLabel = "NAME", defaultValue = GenerateSpec.DEFAULT_DATABASE,
            description = "Database to create.")
    String database;

    @Option(names = "--scale", paramLabel = "S", defaultValue = "0.01",
            description = "Size: 1 is about 1 GB; rows grow in proportion.")
    double scale;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Random seed; the same seed and scale give the same data.")
    long seed;

    @Option(names = "--years", paramLabel = "FIRST-LAST", defaultValue = "2006-2015",
            description = "Years of weekly partitions and results, both inclusive.")
    String years;

    @Option(names = "--dangling", paramLabel = "FRACTION", defaultValue = "0.001",
            description = "Fraction of test_run/test_build references to a missing build or install.")
    double dangling;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "2",
            description = "Parallel connections for loading and indexing.")
    int jobs;

    @Option(names = "--drop-if-exists",
            description = "Drop and recreate the database if it exists (otherwise a non-empty one is refused).")
    boolean dropIfExists;

    @Mixin
    LogOptions logging;

    @Override
    public Integer call() {
        GenerateSpec generateSpec = new GenerateSpec(database, scale, seed, parseYears(years), dangling, jobs,
                dropIfExists);
        Endpoint server = resolveEndpoint(dst);
        GenerateReport report = new MttV3Generator(Connections.fromSystem(), server).generate(generateSpec);
        PrintWriter out = spec.commandLine().getOut();
        report.lines().forEach(out::println);
        out.flush();
        return 0;
    }

    /** How --dst becomes a server: kept in one place so the endpoint handling can be rewired. */
    static Endpoint resolveEndpoint(String endpointSpec) {
        return CliEndpoints.resolve(endpointSpec, null, "--dst");
    }

    static YearSpan parseYears(String text) {
        try {
            return YearSpan.parse(text);
        } catch (IllegalArgumentException e) {
            throw new FastcopyException(FastcopyException.USAGE, "--years: " + e.getMessage());
        }
    }
}
