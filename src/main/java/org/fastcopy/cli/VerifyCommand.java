package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.blob.LargeObjectVerifier;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.ServerError;
import org.fastcopy.plan.SourceCatalog;
import org.fastcopy.plan.SourceTable;
import org.fastcopy.snapshot.SourceSnapshot;
import org.fastcopy.verify.MaterializedViewVerifier;
import org.fastcopy.verify.SequenceVerifier;
import org.fastcopy.verify.Verifier;
import org.fastcopy.verify.VerifyMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code fastcopy verify}: compares a copy with its source: tables, materialized views, sequences
 * and large objects, of the databases the user named on each side.
 */
@Command(name = "verify",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {"Compares a database on two servers: every table's and populated materialized view's rows "
                + "(counts, or counts and an order-independent checksum of all rows), every sequence's value and "
                + "definition, and the large objects (oids, or oids, sizes and md5s). Exits 5 naming what differs."},
        footer = {"", "Example:", "  fastcopy verify --src flux1 --dst flux2 --db mttv3 --mode checksums"})
public final class VerifyCommand implements Callable<Integer> {
    private static final String APP = "fastcopy-verify";

    @Spec
    CommandSpec spec;

    @Option(names = "--src", required = true, paramLabel = "ENDPOINT", description = "Source server.")
    String src;

    @Option(names = "--dst", required = true, paramLabel = "ENDPOINT", description = "Target server.")
    String dst;

    @Option(names = "--db", paramLabel = "NAME[,NAME...]", split = ",", converter = CliEndpoints.DatabaseName.class,
            description = "Databases to compare, the same names on both sides; repeatable; a name holding a comma "
                    + "in double quotes: --db '\"a,b\"' (default: the database of --src, and on the target the one "
                    + "--dst names, else the same).")
    List<String> databases;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "checksums",
            description = "counts or checksums.")
    VerifyMode mode;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "4", description = "Tables compared in parallel.")
    int jobs;

    @Option(names = "--hosts-file", paramLabel = "FILE", description = "A pg_service.conf-format file of endpoint names.")
    Path hostsFile;

    @Mixin
    LogOptions logging;

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
        List<CliEndpoints.DatabasePair> pairs = CliEndpoints.databases(databases, src, source, dst, target, hostsFile);
        Connections connections = Connections.fromSystem();
        PrintWriter out = spec.commandLine().getOut();
        long differing = 0;
        for (CliEndpoints.DatabasePair pair : pairs) {
            differing += verify(connections, pair.label(), source.withDatabase(pair.source()),
                    target.withDatabase(pair.target()), out);
        }
        out.flush();
        if (differing > 0) {
            throw new FastcopyException(FastcopyException.VERIFY_MISMATCH, differing + " difference(s); see above");
        }
        return 0;
    }

    /** One pair of databases: the summary line, then a "differs:" line per difference; their number. */
    private long verify(Connections connections, String label, Endpoint source, Endpoint target, PrintWriter out) {
        // The source side reads through one snapshot so a busy source compares as of one moment.
        try (SourceSnapshot snapshot = SourceSnapshot.export(connections.open(source, APP));
             Connection catalogTarget = connections.open(target, APP)) {
            Supplier<Connection> inSnapshot = () -> {
                Connection c = connections.open(source, APP);
                snapshot.importInto(c);
                return c;
            };
            Supplier<Connection> onTarget = () -> connections.open(target, APP);
            List<SourceTable> tables = SourceCatalog.tables(snapshot.holder());
            Verifier.Result t = Verifier.verify(tables, mode, jobs, inSnapshot, onTarget);
            MaterializedViewVerifier.Result m = MaterializedViewVerifier.compare(snapshot.holder(), catalogTarget, mode, jobs,
                    inSnapshot, onTarget);
            SequenceVerifier.Result s = SequenceVerifier.compare(snapshot.holder(), catalogTarget);
            LargeObjectVerifier.Result lo = LargeObjectVerifier.compare(snapshot.holder(), catalogTarget, mode);
            List<String> lines = new ArrayList<>();
            t.mismatches().forEach(x -> lines.add(x.toString()));
            lines.addAll(m.differences());
            lines.addAll(s.differences());
            lines.addAll(lo.examples());
            long differing = t.mismatches().size() + m.differences().size() + s.differences().size() + lo.differing();
            out.printf(Locale.ROOT, "%s: %d tables, %d materialized views, %d sequences, %,d large objects, %,d rows compared (%s): %s%n",
                    label, t.tablesCompared(), m.compared(), s.compared(), lo.compared(), t.rowsCompared() + m.rows(),
                    mode.name().toLowerCase(Locale.ROOT), differing == 0 ? "all equal" : differing + " differ");
            for (String line : lines) {
                out.println("  differs: " + line);
            }
            if (lo.differing() > lo.examples().size()) {
                out.printf(Locale.ROOT, "  differs: %,d more large objects%n", lo.differing() - lo.examples().size());
            }
            return differing;
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "verify " + label + ": " + ServerError.describe(e), e);
        }
    }
}
