package org.fastcopy.cli;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.follow.FollowSpec;
import org.fastcopy.follow.Prerequisites;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.follow.FollowJob;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.metrics.FollowMetrics;
import org.fastcopy.verify.VerifyMode;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.fastcopy.testing.CliProcess.conninfo;
import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

/**
 * --follow checks the source before it creates anything: a missing prerequisite is one line on
 * stderr naming it and the fix, exit 2, and no slot, publication or target database left behind.
 */
@ExtendWith(ClusterExtension.class)
class FollowPrerequisitesTest {
    private static final String PASSWORD = "applier-secret";
    private final TestClusters clusters;
    private final Path work = Path.of("target", "follow-prerequisites-work");

    FollowPrerequisitesTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @Test
    void aSourceWithoutLogicalWalIsRefusedInOneLine() throws SQLException {
        String db = clusters.createDatabase(clusters.flux1(), "nolog").database();
        CliRun run = CliRun.of("--src", conninfo(clusters.flux1()), "--dst", conninfo(clusters.flux2()), "--db", db,
                "--follow", "--workdir", work.toString());

        assertThat(run.exitCode()).as("stderr: %s", run.err()).isEqualTo(2);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).startsWith("fastcopy: wal_level on source ").contains("'minimal'", "wal_level = logical");
        assertThat(run.out()).isEmpty();
        try (Connection c = clusters.connect(clusters.flux2(), "postgres")) {
            assertThat(exists(c, "SELECT 1 FROM pg_database WHERE datname = '" + db + "'")).as("target database").isFalse();
        }
    }

    @Test
    void tablesWithoutKeyAreListedWithTheFixAndRefused() throws SQLException {
        LogicalClusters lc = LogicalClusters.get();
        String db = lc.createDatabase(lc.source(), "keyless").database();
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE keyed (id int PRIMARY KEY, v text)");
            st.execute("CREATE TABLE \"No Key\" (a int, b text)");
            st.execute("CREATE TABLE full_identity (a int)");
            st.execute("ALTER TABLE full_identity REPLICA IDENTITY FULL");
        }

        CliRun run = CliRun.of("--src", conninfo(lc.source()), "--dst", conninfo(lc.target()), "--db", db,
                "--follow", "--workdir", work.toString());

        assertThat(run.exitCode()).as("stderr: %s", run.err()).isEqualTo(2);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).contains("1 table(s)", "public.No Key", "REPLICA IDENTITY FULL", "--follow-insert-only")
                .doesNotContain("keyed", "full_identity");
        assertNothingCreated(lc, db);
    }

    @Test
    void followingSeveralDatabasesAtOnceIsRefusedBeforeAnythingConnects() {
        CliRun run = CliRun.of("--src", "host=127.0.0.1 port=1 user=nobody", "--dst", "host=127.0.0.2 port=1 user=nobody",
                "--db", "a,b", "--follow");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("fastcopy: --follow follows one database; --db names 2" + System.lineSeparator());
    }

    @Test
    void resumingATargetThatNeverBeganFollowingIsRefusedWithTheWayOn() throws SQLException {
        LogicalClusters lc = LogicalClusters.get();
        String db = lc.createDatabase(lc.source(), "never_followed").database();

        CliRun run = CliRun.of("--src", conninfo(lc.source()), "--dst", conninfo(lc.target()), "--db", db,
                "--follow", "--resume", "--workdir", work.toString());

        assertThat(run.exitCode()).as("stderr: %s", run.err()).isEqualTo(2);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).contains("no replication slot " + FollowSpec.defaultSlotName(db), "nothing to resume",
                "--follow alone");
        assertNothingCreated(lc, db);
    }

    @Test
    void aTargetRoleThatMayNotSetSessionReplicationRoleIsRefusedWithTheGrantThatFixesIt() throws Exception {
        LogicalClusters lc = LogicalClusters.get();
        String db = lc.createDatabase(lc.source(), "applier").database();
        String role = lc.newName("applier");
        try (Connection c = lc.connect(lc.target(), "postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + ident(role) + " LOGIN CREATEDB PASSWORD " + literal(PASSWORD));
        }
        String asRole = as(lc.target(), role);

        CliRun run = CliRun.of("--src", conninfo(lc.source()), "--dst", asRole, "--db", db, "--follow",
                "--workdir", work.toString());

        assertThat(run.exitCode()).as("stderr: %s", run.err()).isEqualTo(2);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).contains("role " + role + " on target ", "session_replication_role",
                "GRANT SET ON PARAMETER session_replication_role TO \"" + role + "\"");
        assertNothingCreated(lc, db);

        try (Connection c = lc.connect(lc.target(), "postgres"); Statement st = c.createStatement()) {
            st.execute("GRANT SET ON PARAMETER session_replication_role TO " + ident(role));
        }
        Endpoint ep = CliEndpoints.resolve(asRole, null, "--dst").withDatabase("postgres");
        try (Connection c = Connections.fromSystem().open(ep, "fastcopy-test")) {
            assertThatCode(() -> Prerequisites.checkTarget(c, ep)).as("with the grant (PostgreSQL 15)").doesNotThrowAnyException();
        } finally {
            try (Connection c = lc.connect(lc.target(), "postgres"); Statement st = c.createStatement()) {
                st.execute("DROP OWNED BY " + ident(role));
                st.execute("DROP ROLE " + ident(role));
            }
        }
    }

    /** A conninfo for {@code role}, its password in a 0600 file of the test's own. */
    private String as(LocalCluster c, String role) throws IOException {
        Files.createDirectories(work);
        Path passfile = work.resolve("pgpass-" + role);
        Files.deleteIfExists(passfile);
        Files.createFile(passfile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(passfile, "127.0.0.1:" + c.port() + ":*:" + role + ":" + PASSWORD + "\n");
        return "host=127.0.0.1 port=" + c.port() + " user=" + role + " passfile=" + passfile.toAbsolutePath();
    }

    @Test
    void publicationsLeftWithoutTheirSlotAreNamedBeforeAnythingIsCreated() throws SQLException {
        LogicalClusters lc = LogicalClusters.get();
        String db = lc.createDatabase(lc.source(), "pub_left").database();
        String publication = FollowSpec.defaultSlotName(db);
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id int PRIMARY KEY)");
            // what a run killed while its slot was being made leaves: the publication, no slot
            st.execute("CREATE PUBLICATION \"" + publication + "\" FOR TABLE ONLY t");
        }

        CliRun run = CliRun.of("--src", conninfo(lc.source()), "--dst", conninfo(lc.target()), "--db", db,
                "--follow", "--workdir", work.toString());

        assertThat(run.exitCode()).as("stderr: %s", run.err()).isEqualTo(2);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).contains("publication " + publication + " exists on source", "--follow --resume",
                "fastcopy follow --drop-slot");
        try (Connection c = lc.connect(lc.source(), db)) {
            assertThat(exists(c, "SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + publication + "'")).as("slot").isFalse();
        }
        try (Connection c = lc.connect(lc.target(), "postgres")) {
            assertThat(exists(c, "SELECT 1 FROM pg_database WHERE datname = '" + db + "'")).as("target database").isFalse();
        }
    }

    @Test
    void resumingAFinishedCutoverSaysNothingIsLeftAndTouchesNothing() throws SQLException {
        LogicalClusters lc = LogicalClusters.get();
        String db = lc.createDatabase(lc.source(), "cut_over").database();
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE kept (id int PRIMARY KEY)");
            st.execute("INSERT INTO kept SELECT generate_series(1, 10)");
        }
        CopySpec copy = new CopySpec(lc.source().endpoint(db), lc.target().endpoint(null), List.of(db), 1, 1, 1L << 30,
                false, false, VerifyMode.COUNTS, false, work, 64, 64 << 10, false);
        // asked to cut over from the start: copies, follows until caught up, cuts over (ledger and slot gone)
        new FollowJob(new FollowSpec(copy, null, false, false, Duration.ofSeconds(1)), Connections.fromSystem(),
                CopyJob.Listener.NONE, FollowJob.Listener.NONE, CopyMetrics.Factory.NONE, FollowMetrics.NONE, () -> true,
                new PrintWriter(new StringWriter(), true)).run();

        // what a run killed after its cutover's last commit leaves behind, resumed
        CliRun run = CliRun.of("--src", conninfo(lc.source()), "--dst", conninfo(lc.target()), "--db", db,
                "--follow", "--resume", "--workdir", work.toString());

        assertThat(run.exitCode()).as("stderr: %s", run.err()).isEqualTo(2);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).contains("no replication slot " + FollowSpec.defaultSlotName(db), "nothing to resume",
                "a finished cutover").doesNotContain("--drop-if-exists");
        try (Connection t = lc.connect(lc.target(), db)) {
            assertThat(exists(t, "SELECT 1 FROM kept WHERE id = 10")).as("the cut-over target, untouched").isTrue();
        }
    }

    private static void assertNothingCreated(LogicalClusters lc, String db) throws SQLException {
        try (Connection c = lc.connect(lc.source(), db)) {
            assertThat(exists(c, "SELECT 1 FROM pg_replication_slots WHERE slot_name = '"
                    + FollowSpec.defaultSlotName(db) + "'")).as("slot").isFalse();
            assertThat(exists(c, "SELECT 1 FROM pg_publication")).as("publication").isFalse();
        }
        try (Connection c = lc.connect(lc.target(), "postgres")) {
            assertThat(exists(c, "SELECT 1 FROM pg_database WHERE datname = '" + db + "'")).as("target database").isFalse();
        }
    }

    private static boolean exists(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            return st.executeQuery(sql).next();
        }
    }
}
