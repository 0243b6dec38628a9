package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input to the copy command itself (CommandFailureTest covers the endpoint errors every
 * command shares): each is one line on stderr naming what is wrong, a non-zero exit code, nothing
 * on stdout, and no target database left behind.
 */
@ExtendWith(ClusterExtension.class)
class CopyBadInputTest {
    private static final String SECRET = "Bad-Input-Pw-5150";

    private final TestClusters clusters;
    private final Path work = Path.of("target", "cli-bad-input-work");

    @TempDir
    Path dir;

    CopyBadInputTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    private static String conninfo(LocalCluster c) {
        return "host=127.0.0.1 port=" + c.port() + " user=postgres passfile=" + c.passfile();
    }

    private static void assertOneErrorLine(CliRun run, int exitCode) {
        assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isEqualTo(exitCode);
        assertThat(run.errLines()).as("stderr").hasSize(1);
        assertThat(run.err()).startsWith("fastcopy: ");
        assertThat(run.out()).as("stdout").isEmpty();
    }

    private CliRun copy(String src, String dst, String db, String... more) {
        List<String> args = new ArrayList<>(List.of("--src", src, "--dst", dst, "--db", db, "--workdir", work.toString()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    private boolean existsOnTarget(String db) throws SQLException {
        try (Connection c = clusters.connect(clusters.flux2(), "postgres");
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_database WHERE datname = ?")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    /** A source database with one small table; the target has no database of that name. */
    private String sourceWithATable(String prefix) throws SQLException {
        Endpoint src = clusters.createDatabase(clusters.flux1(), prefix);
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id int PRIMARY KEY)");
            st.execute("INSERT INTO t SELECT generate_series(1, 10)");
        }
        return src.database();
    }

    @Test
    void aSourceDatabaseThatDoesNotExistIsAConnectionErrorNamingItAndCreatesNothing() throws SQLException {
        String db = clusters.newDatabaseName("no_such_source");

        CliRun run = copy(conninfo(clusters.flux1()), conninfo(clusters.flux2()), db);

        assertOneErrorLine(run, FastcopyException.CONNECTION);
        assertThat(run.err()).contains("database '" + db + "' does not exist");
        assertThat(existsOnTarget(db)).isFalse();
    }

    @Test
    void aTargetPortNobodyListensOnFailsBeforeAnythingIsDumped() throws Exception {
        String db = sourceWithATable("refused_dst");
        try (Socket reserved = new Socket()) {
            reserved.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            String dst = "host=127.0.0.1 port=" + reserved.getLocalPort() + " user=postgres";

            CliRun run = copy(conninfo(clusters.flux1()), dst, db);

            assertOneErrorLine(run, FastcopyException.CONNECTION);
            assertThat(run.err()).contains("127.0.0.1:" + reserved.getLocalPort()).endsWith("connection refused" + System.lineSeparator());
            assertThat(work.resolve(db).resolve("schema.dump")).doesNotExist();
        }
    }

    @Test
    void aWrongTargetPasswordIsAConnectionErrorThatPrintsNoPasswordAndCreatesNothing() throws Exception {
        String db = sourceWithATable("wrong_pw_dst");
        Path passfile = dir.resolve("pgpass");
        Files.writeString(passfile, "127.0.0.1:*:*:postgres:" + SECRET + "\n");
        Files.setPosixFilePermissions(passfile, PosixFilePermissions.fromString("rw-------"));
        String dst = "host=127.0.0.1 port=" + clusters.flux2().port() + " user=postgres passfile=" + passfile;

        CliRun run = copy(conninfo(clusters.flux1()), dst, db);

        assertOneErrorLine(run, FastcopyException.CONNECTION);
        assertThat(run.err()).contains("password authentication failed for user 'postgres'").doesNotContain(SECRET);
        assertThat(existsOnTarget(db)).isFalse();
    }

    @Test
    void aPgBinWithoutPgDumpIsAUsageErrorBeforeAnyConnection() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty-bin"));
        // Both endpoints refuse connections: a check made after connecting would exit 3, not 2.
        try (Socket a = new Socket(); Socket b = new Socket()) {
            a.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            b.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));

            CliRun run = copy("host=127.0.0.1 port=" + a.getLocalPort(), "host=127.0.0.1 port=" + b.getLocalPort(), "d",
                    "--pg-bin", empty.toString());

            assertOneErrorLine(run, FastcopyException.USAGE);
            assertThat(run.errLines()).containsExactly("fastcopy: --pg-bin " + empty + " holds no executable pg_dump or "
                    + "pg_restore: point it at the bin directory of PostgreSQL client programs");
        }
    }

    @Test
    void aPgDumpOlderThanTheSourceServerIsNamedWithBothVersionsAndNoTargetIsCreated() throws Exception {
        String db = sourceWithATable("old_pg_dump");
        Path bin = Files.createDirectories(dir.resolve("old-bin"));
        for (String program : List.of("pg_dump", "pg_restore")) {
            Path script = bin.resolve(program);
            Files.writeString(script, "#!/bin/sh\necho '" + program + " (PostgreSQL) 9.6.24'\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }

        CliRun run = copy(conninfo(clusters.flux1()), conninfo(clusters.flux2()), db, "--pg-bin", bin.toString());

        assertOneErrorLine(run, FastcopyException.FAILED);
        assertThat(run.err()).startsWith("fastcopy: pg_dump in " + bin + " is version 9, older than source ")
                .contains("(PostgreSQL 15.").endsWith("point --pg-bin or PG_BIN at PostgreSQL 15 or newer client programs"
                        + System.lineSeparator());
        assertThat(existsOnTarget(db)).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--resume --drop-if-exists", "--dry-run --resume"})
    void contradictoryFlagsAreAUsageErrorNamingBothBeforeAnyConnection(String flags) {
        String[] pair = flags.split(" ");

        CliRun run = copy("host=127.0.0.1 port=1 user=x", "host=127.0.0.1 port=2 user=x", "d", pair);

        assertOneErrorLine(run, FastcopyException.USAGE);
        assertThat(run.err()).contains(pair[0]).contains(pair[1]).contains("contradict each other");
    }

    @Test
    void anUnknownEncodingErrorsPolicyIsAUsageErrorListingTheChoices() {
        CliRun run = copy("host=127.0.0.1 port=1 user=x", "host=127.0.0.1 port=2 user=x", "d", "--encoding-errors", "ignore");

        assertThat(run.exitCode()).isEqualTo(FastcopyException.USAGE);
        assertThat(run.errLines().get(0)).contains("--encoding-errors").contains("'ignore' is not one of fail, replace, skip");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void resumingWhereNoRunStartedIsAUsageErrorAndCreatesNothing() throws SQLException {
        String db = sourceWithATable("resume_nothing");

        CliRun run = copy(conninfo(clusters.flux1()), conninfo(clusters.flux2()), db, "--resume");

        assertOneErrorLine(run, FastcopyException.USAGE);
        assertThat(run.err()).contains("--resume: database " + db).contains("does not exist: nothing to resume");
        assertThat(existsOnTarget(db)).isFalse();
    }
}
