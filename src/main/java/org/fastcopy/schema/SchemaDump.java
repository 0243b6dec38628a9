package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.PgBinaries;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.ServerError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The source's schema, taken once by pg_dump in the run's snapshot and rendered section by section
 * by pg_restore. fastcopy never writes DDL itself: pg_dump knows every object kind of every server
 * version, and a hand-written extractor would silently miss the ones it does not.
 *
 * <p>The archive is custom format (-Fc) so that one dump serves both sections and pg_restore can
 * print each item's dependencies and catalogue OID (--verbose), which the schedulers use.
 */
public final class SchemaDump {
    private static final Logger log = LoggerFactory.getLogger(SchemaDump.class);
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)");

    private final Path archive;
    private final Path workdir;
    private final PgBinaries bin;

    private SchemaDump(Path archive, Path workdir, PgBinaries bin) {
        this.archive = archive;
        this.workdir = workdir;
        this.bin = bin;
    }

    /**
     * Runs {@code pg_dump --schema-only -Fc --snapshot=<id>} against the source into
     * {@code workdir/schema.dump}.
     *
     * @param snapshotId from pg_export_snapshot() on a session that keeps its transaction open
     *                   until this returns; the dump then shows exactly what the data copy sees
     * @throws FastcopyException naming the versions when no pg_dump at least as new as the source
     *                           server is installed, or with pg_dump's error when it fails
     */
    public static SchemaDump dump(Connections connections, Endpoint source, String snapshotId, Path workdir) {
        return dump(connections, source, snapshotId, workdir, null);
    }

    /** @param pgBin the directory of pg_dump and pg_restore (--pg-bin), or null to search for them */
    public static SchemaDump dump(Connections connections, Endpoint source, String snapshotId, Path workdir, Path pgBin) {
        return dump(connections, source, snapshotId, workdir, pgBin, false);
    }

    /**
     * @param noToastCompression leave columns' compression methods out (pg_dump
     *                           --no-toast-compression): for a target built without lz4, where
     *                           "SET COMPRESSION lz4" would fail; its columns take the target's
     *                           default_toast_compression instead
     */
    public static SchemaDump dump(Connections connections, Endpoint source, String snapshotId, Path workdir, Path pgBin,
                                  boolean noToastCompression) {
        Objects.requireNonNull(snapshotId, "snapshotId");
        ServerVersion server = ServerVersion.of(connections, source);
        PgBinaries bin = pgBin == null ? clientFor(server, "source " + source) : checkClient(PgBinaries.at(pgBin, "--pg-bin"), server, "source " + source);
        Path archive = workdir.resolve("schema.dump");
        List<String> cmd = new ArrayList<>(List.of(bin.program("pg_dump").toString(),
                "--schema-only", "--format=custom", "--snapshot=" + snapshotId,
                // Waiting longer means an exclusive lock request queued behind the snapshot's own
                // locks: a wait that would never end (see SourceSnapshot.LOCK_TIMEOUT).
                "--lock-wait-timeout=" + org.fastcopy.snapshot.SourceSnapshot.LOCK_TIMEOUT,
                // The archive also carries the database itself (encoding, locale, owner, comment,
                // settings); pg_restore leaves those items out unless asked (renderDatabase).
                "--create",
                // The items reach the target through JDBC, which speaks UTF-8; the server converts.
                "--encoding=UTF8",
                // A subscription on the copy would point at the source's publisher and slot.
                "--no-subscriptions",
                "--no-sync", "--file=" + archive));
        if (noToastCompression) {
            cmd.add("--no-toast-compression");
        }
        createDirectories(workdir);
        long t0 = System.nanoTime();
        PgTool.run(cmd, pb -> connections.applyTo(pb, source), workdir.resolve("pg_dump.log"),
                "pg_dump --schema-only of " + source);
        log.info("dumped the schema of {} in {} ms ({})", source, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), archive);
        return new SchemaDump(archive, workdir, bin);
    }

    public Path archive() {
        return archive;
    }

    public RestoreScript render(Section section) {
        return render(section, RestoreOptions.FULL);
    }

    /**
     * Renders one section as plain SQL with {@code pg_restore --verbose --section=...} into
     * {@code workdir/<section>.sql} and splits it into items, whose SQL stays in that file until
     * each runs ({@link DdlText}): rendering the same section again makes the earlier script's
     * items fail when they are read.
     */
    public RestoreScript render(Section section, RestoreOptions options) {
        Path sql = workdir.resolve(section.option() + ".sql");
        List<String> cmd = new ArrayList<>(List.of(bin.program("pg_restore").toString(),
                "--verbose", "--section=" + section.option(), "--file=" + sql));
        cmd.addAll(options.arguments());
        cmd.add(archive.toString());
        PgTool.run(cmd, pb -> { }, workdir.resolve("pg_restore-" + section.option() + ".log"),
                "pg_restore --section=" + section.option() + " of " + archive);
        return RestoreScriptParser.parse(sql);
    }

    /**
     * The items that make the database itself, as {@code pg_dump -C} would restore them: DATABASE
     * (CREATE DATABASE with the source's encoding and locale, and its owner), DATABASE PROPERTIES
     * (ALTER DATABASE ... SET) and the database's COMMENT, SECURITY LABEL and ACL. Rendered with
     * {@code pg_restore --create} from a list holding only those items.
     */
    public RestoreScript renderDatabase() {
        Path list = workdir.resolve("database.list");
        Path fullList = workdir.resolve("archive.list");
        // --create: without it the listing leaves out the database items themselves.
        PgTool.run(List.of(bin.program("pg_restore").toString(), "--list", "--create", "--file=" + fullList, archive.toString()),
                pb -> { }, workdir.resolve("pg_restore-list.log"), "pg_restore --list of " + archive);
        Path sql = workdir.resolve("database.sql");
        try {
            List<String> keep = Files.readAllLines(fullList, StandardCharsets.UTF_8).stream()
                    .filter(SchemaDump::isDatabaseItem).toList();
            Files.write(list, keep, StandardCharsets.UTF_8);
            PgTool.run(List.of(bin.program("pg_restore").toString(), "--verbose", "--create", "--section=pre-data",
                    "--use-list=" + list, "--file=" + sql, archive.toString()),
                    pb -> { }, workdir.resolve("pg_restore-database.log"), "pg_restore --create of " + archive);
            return RestoreScriptParser.parse(sql);
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cannot render the database items of " + archive + ": " + e.getMessage(), e);
        }
    }

    /**
     * A --list line ("3350; 1262 16384 DATABASE - mttv3 postgres", "3351; 0 0 COMMENT - DATABASE
     * mttv3 postgres") for the database itself rather than an object inside it.
     */
    static boolean isDatabaseItem(String line) {
        if (line.startsWith(";")) {
            return false;
        }
        String[] f = line.split(" ", 5);
        if (f.length < 5) {
            return false;
        }
        String rest = f[3] + " " + f[4];
        return rest.startsWith("DATABASE ") || rest.matches("(COMMENT|ACL|SECURITY LABEL) - DATABASE .*");
    }

    /**
     * pg_dump and pg_restore no older than the server: an older pg_dump refuses a newer server, and
     * the newest installed would also do, but the lowest sufficient major is preferred.
     */
    static PgBinaries clientFor(ServerVersion server, String whose) {
        PgBinaries bin = PgBinaries.clientAtLeast(System.getenv(), server.major())
                .orElseThrow(() -> new FastcopyException(FastcopyException.FAILED, PgBinaries.newestClient()
                        .map(b -> "pg_dump " + programMajor(b.program("pg_dump")) + " (" + b.bindir() + ") is older than ")
                        .orElse("no pg_dump/pg_restore found for ") + whose + " (PostgreSQL " + server.text()
                        + "): install the PostgreSQL " + server.major() + " client programs or set PG_BIN"));
        // PG_BIN is taken as found, whatever its version: ask the program itself
        return checkClient(bin, server, whose);
    }

    private static PgBinaries checkClient(PgBinaries bin, ServerVersion server, String whose) {
        int clientMajor = programMajor(bin.program("pg_dump"));
        if (clientMajor < server.major()) {
            throw new FastcopyException(FastcopyException.FAILED, "pg_dump in " + bin.bindir() + " is version " + clientMajor
                    + ", older than " + whose + " (PostgreSQL " + server.text() + "): point --pg-bin or PG_BIN at PostgreSQL "
                    + server.major() + " or newer client programs");
        }
        return bin;
    }

    private static int programMajor(Path program) {
        try {
            Process p = new ProcessBuilder(program.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            Matcher m = VERSION.matcher(out);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            throw new FastcopyException(FastcopyException.FAILED, program + " --version printed no version: " + out.trim());
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cannot run " + program + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, "interrupted while asking " + program + " its version");
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cannot create work directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A server's version; {@code major} counts like PgBinaries does: 15 for 15.4, 9 for 9.6. */
    record ServerVersion(int major, String text) {
        static ServerVersion of(Connections connections, Endpoint ep) {
            try (Connection c = connections.open(ep, "fastcopy-schema");
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int, current_setting('server_version')")) {
                rs.next();
                int num = rs.getInt(1);
                return new ServerVersion(num / 10000, rs.getString(2));
            } catch (SQLException e) {
                throw new FastcopyException(FastcopyException.CONNECTION, "cannot read the server version of " + ep + ": "
                        + ServerError.describe(e), e);
            }
        }
    }
}
