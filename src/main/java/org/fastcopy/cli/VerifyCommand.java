package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.plan.SourceCatalog;
import org.fastcopy.plan.SourceTable;
import org.fastcopy.snapshot.SourceSnapshot;
import org.fastcopy.verify.Mismatch;
import org.fastcopy.verify.Verifier;
import org.fastcopy.verify.VerifyMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code fastcopy verify}: compares a copy with its source, table by table. */
@Command(name = "verify",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {"Compares every table of a database on two servers: row counts, or counts and an "
                + "order-independent checksum of all rows. Exits 5 naming the tables that differ."},
        footer = {"", "Example:", "  fastcopy verify --src flux1 --dst flux2 --db mttv3 --mode checksums"})
public final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--src", required = true, paramLabel = "ENDPOINT", description = "Source server.")
    String src;

    @Option(names = "--dst", required = true, paramLabel = "ENDPOINT", description = "Target server.")
    String dst;

    @Option(names = "--db", paramLabel = "NAME[,NAME...]", split = ",",
            description = "Databases to compare (default: the database of --src).")
    List<String> databases;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "checksums",
            description = "counts or checksums.")
    VerifyMode mode;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "4", description = "Tables compared in parallel.")
    int jobs;

    @Option(names = "--hosts-file", paramLabel = "FILE", description = "A pg_service.conf-format file of endpoint names.")
    Path hostsFile;

    @Override
    public Integer call() {
        if (jobs < 1) {
            throw new FastcopyException(FastcopyException.USAGE, "--jobs must be at least 1");
        }
        if (mode == VerifyMode.NONE) {
            throw new FastcopyException(FastcopyException.USAGE, "--mode none compares nothing: use counts or checksums");
        }
        Endpoint source = CliEndpoints.resolve(src, hostsFile, "--src");
        Endpoint target = CliEndpoints.resolve(dst, hostsFile, "--dst");
        List<String> dbs = CliEndpoints.databases(databases, source);
        Connections connections = Connections.fromSystem();
        PrintWriter out = spec.commandLine().getOut();
        int differing = 0;
        for (String db : dbs) {
            differing += verify(connections, source.withDatabase(db), target.withDatabase(db), out);
        }
        out.flush();
        if (differing > 0) {
            throw new FastcopyException(FastcopyException.VERIFY_MISMATCH, differing + " table(s) differ; see above");
        }
        return 0;
    }

    private int verify(Connections connections, Endpoint source, Endpoint target, PrintWriter out) {
        // The source side reads through one snapshot so a busy source compares as of one moment.
        try (SourceSnapshot snapshot = SourceSnapshot.export(connections.open(source, "fastcopy-verify"))) {
            List<SourceTable> tables = SourceCatalog.tables(snapshot.holder());
            Verifier.Result r = Verifier.verify(tables, mode, jobs, () -> {
                var c = connections.open(source, "fastcopy-verify");
                snapshot.importInto(c);
                return c;
            }, () -> connections.open(target, "fastcopy-verify"));
            out.printf("%s: %d tables, %,d rows compared (%s): %s%n", source.database(), r.tablesCompared(), r.rowsCompared(),
                    mode.name().toLowerCase(java.util.Locale.ROOT), r.ok() ? "all equal" : r.mismatches().size() + " differ");
            for (Mismatch m : r.mismatches()) {
                out.println("  differs: " + m);
            }
            return r.mismatches().size();
        }
    }
}
