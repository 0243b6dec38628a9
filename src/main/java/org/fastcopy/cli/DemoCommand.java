package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.convert.ConvertJob;
import org.fastcopy.convert.ConvertListener;
import org.fastcopy.convert.ConvertReport;
import org.fastcopy.convert.ConvertSpec;
import org.fastcopy.convert.VerifyOptions;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopyReport;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.util.ByteSize;
import org.fastcopy.verify.VerifyMode;
import org.fastcopy.generate.GenerateReport;
import org.fastcopy.generate.GenerateSpec;
import org.fastcopy.generate.MttV3Generator;
import org.fastcopy.report.HtmlReport;
import org.fastcopy.report.RunRecord;
import org.fastcopy.report.RunRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * {@code fastcopy demo}: the embedded default. Two throwaway local clusters play flux1 and flux2,
 * flux1 gets a generated MTT v3 database, and the job runs end to end on them.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {"Runs the whole job on two throwaway local PostgreSQL clusters (flux1 and flux2 roles, "
                + "loopback only): generates an MTT v3 database on flux1, copies it to flux2 with fastcopy "
                + "(every table verified by checksum), converts the copy into the flat schema (row counts "
                + "verified) and reports each step, also as an HTML page (<workdir>/report.html).",
                "Needs the PostgreSQL server binaries (Debian: apt-get install postgresql)."},
        footer = {"", "Examples:", "  fastcopy demo", "  fastcopy demo --scale 0.2 --keep-running"})
public final class DemoCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--workdir", paramLabel = "DIR", defaultValue = "target/demo",
            description = "Where the two clusters live (wiped clusters are re-created).")
    Path workDir;

    @Option(names = "--scale", paramLabel = "S", defaultValue = "0.02",
            description = "Size of the generated MTT database: 1 is about 1 GB.")
    double scale;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Random seed of the generator.")
    long seed;

    @Option(names = "--years", paramLabel = "FIRST-LAST", defaultValue = "2013-2015",
            description = "Years of weekly partitions (each year adds about 160 inheritance children).")
    String years;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "2", description = "Parallel COPY streams of the copy.")
    int jobs;

    @Option(names = "--keep-running", description = "Leave both clusters running at the end and print how to reach them.")
    boolean keepRunning;

    @Mixin
    LogOptions logging;

    @Mixin
    ProgressOptions progress;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        log.info("1. starting local clusters flux1 and flux2 under {}", workDir.toAbsolutePath());
        // --keep-running: no shutdown hook, or the clusters would stop when this JVM exits.
        LocalCluster flux1 = keepRunning ? LocalCluster.startDetached("flux1", workDir) : LocalCluster.start("flux1", workDir);
        LocalCluster flux2 = null;
        try {
            flux2 = keepRunning ? LocalCluster.startDetached("flux2", workDir) : LocalCluster.start("flux2", workDir);
            log.info("2. generating MTT v3 database mttv3 on flux1 (scale {}, seed {})", scale, seed);
            GenerateSpec gen = GenerateSpec.defaults("mttv3").withScale(scale).withSeed(seed)
                    .withYears(GenerateCommand.parseYears(years))
                    .withDropIfExists(true);
            GenerateReport report = new MttV3Generator(flux1.connections(), flux1.endpoint("postgres")).generate(gen);
            report.lines().forEach(out::println);

            // One recorder for the copy and the conversion, as migrate records its phases: one page.
            RunRecorder recorder = new RunRecorder("fastcopy demo --scale " + scale + " --jobs " + jobs);
            try (RunRecorder.Scope scope = RunRecorder.install(recorder)) {
                copyAndConvert(out, flux1, flux2);
            } catch (RuntimeException | Error e) {
                writeReport(recorder.finish(e));
                throw e;
            }
            writeReport(recorder.finish(null));
            if (keepRunning) {
                printHowToReach(out, flux1, flux2);
            }
            out.flush();
            return 0;
        } finally {
            if (!keepRunning) {
                flux1.stop();
                if (flux2 != null) {
                    flux2.stop();
                }
            }
        }
    }

    private void copyAndConvert(PrintWriter out, LocalCluster flux1, LocalCluster flux2) {
        log.info("3. copying mttv3 from flux1 to flux2 ({} streams, checksums verified)", jobs);
        CopySpec copy = new CopySpec(flux1.endpoint("mttv3"), flux2.endpoint("mttv3"), List.of("mttv3"), jobs, jobs,
                ByteSize.parse("1GB"), true, false, VerifyMode.CHECKSUMS, false, workDir.resolve("copy-work"), 64,
                64 * 1024, false);
        // One Connections serves both clusters: each endpoint carries its own password file.
        List<CopyReport> copied = new CopyJob(copy, flux1.connections()).run();
        out.println();
        copied.forEach(r -> r.summaryLines().forEach(out::println));

        log.info("4. converting mttv3 into mttflat on flux2 (auto ranges, {} workers, verified)", jobs);
        ConvertSpec convert = new ConvertSpec(flux2.endpoint("mttv3"), flux2.endpoint("mttflat"), "mttv3", "mttflat",
                ConvertSpec.parseRanges("auto"), jobs, 4, true, false, VerifyOptions.sampled(200, 1),
                workDir.resolve("convert-work"));
        ConvertReport converted = new ConvertJob(convert, flux2.connections(), ConvertListener.NONE).run();
        out.println();
        converted.lines().forEach(out::println);
        if (!converted.verifyMismatches().isEmpty()) {
            throw new FastcopyException(FastcopyException.VERIFY_MISMATCH, "convert verify: "
                    + converted.verifyMismatches().get(0));
        }
    }

    /** Written on success and on failure; a report that cannot be written never hides the run's own error. */
    private void writeReport(RunRecord run) {
        Path file = workDir.resolve("report.html");
        try {
            HtmlReport.write(run, file);
            log.info("5. HTML report of the run{}: {}", run.failed() ? " (failed)" : "", file.toAbsolutePath());
        } catch (RuntimeException e) {
            log.warn("could not write the HTML report {}: {}", file.toAbsolutePath(), e.getMessage());
        }
    }

    private static void printHowToReach(PrintWriter out, LocalCluster... clusters) {
        out.println();
        out.println("Clusters left running (stop with: fastcopy cluster stop --workdir <dir>):");
        for (LocalCluster c : clusters) {
            out.printf("  %s: host=127.0.0.1 port=%d user=%s  PGPASSFILE=%s  data=%s%n",
                    c.name(), c.port(), LocalCluster.SUPERUSER, c.passfile(), c.dataDir());
        }
    }
}
