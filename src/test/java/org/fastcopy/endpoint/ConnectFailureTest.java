package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;
import static org.fastcopy.util.Sql.ident;

/**
 * What the user reads when a connection to a real server fails: one line that names the endpoint
 * and what to fix, exit code CONNECTION, the SQLException kept as the cause, and never a password,
 * neither the wrong one that was sent nor the right one.
 */
@ExtendWith(ClusterExtension.class)
class ConnectFailureTest {
    private static final String RIGHT = "Right-Pw-4711";
    private static final String WRONG = "Wrong-Pw-0815";
    /** Roles named in pg_hba.conf lines this class adds; neither role exists. */
    private static final String NO_SUCH_ROLE = "fastcopy_no_such_role";
    private static final String REFUSED_ROLE = "fastcopy_refused_role";
    private static final String HBA_MARK = "# added by ConnectFailureTest";
    private static final Duration RELOAD_DEADLINE = Duration.ofSeconds(20);

    private static LocalCluster server;
    /** Logs in with {@link #RIGHT}. */
    private static String member;
    /** Has the right password too, but CONNECTION LIMIT 0. */
    private static String capped;

    @TempDir
    Path dir;

    @BeforeAll
    static void createRolesAndHbaRules(TestClusters clusters) throws SQLException, IOException {
        server = clusters.flux1();
        member = clusters.newDatabaseName("cf_member");
        capped = clusters.newDatabaseName("cf_capped");
        try (Connection c = clusters.connect(server, "postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + ident(member) + " LOGIN PASSWORD '" + RIGHT + "'");
            st.execute("CREATE ROLE " + ident(capped) + " LOGIN CONNECTION LIMIT 0 PASSWORD '" + RIGHT + "'");
        }
        // scram-sha-256 hides whether a role exists (a missing one fails like a wrong password), so
        // "role does not exist" needs a trust rule; "reject" gives pg_hba.conf's own refusal.
        editHba(clusters, true);
        awaitHbaReload();
    }

    @AfterAll
    static void dropRolesAndHbaRules(TestClusters clusters) throws SQLException, IOException {
        editHba(clusters, false);
        try (Connection c = clusters.connect(server, "postgres"); Statement st = c.createStatement()) {
            st.execute("DROP ROLE IF EXISTS " + ident(member));
            st.execute("DROP ROLE IF EXISTS " + ident(capped));
        }
    }

    /** Adds (or removes) our two rules at the top of pg_hba.conf, then asks the server to reload it. */
    private static void editHba(TestClusters clusters, boolean add) throws SQLException, IOException {
        try (Connection c = clusters.connect(server, "postgres"); Statement st = c.createStatement()) {
            Path hba = Path.of(single(st, "SHOW hba_file"));
            StringBuilder text = new StringBuilder();
            if (add) {
                text.append("host all ").append(NO_SUCH_ROLE).append(" 127.0.0.1/32 trust ").append(HBA_MARK).append('\n')
                        .append("host all ").append(REFUSED_ROLE).append(" 127.0.0.1/32 reject ").append(HBA_MARK).append('\n');
            }
            // a run killed before its @AfterAll leaves its lines: drop them rather than stack them
            Files.readAllLines(hba).stream().filter(l -> !l.endsWith(HBA_MARK)).forEach(l -> text.append(l).append('\n'));
            Files.writeString(hba, text);
            single(st, "SELECT pg_reload_conf()");
        }
    }

    /**
     * pg_reload_conf() only signals the postmaster, which re-reads pg_hba.conf when it gets to it
     * and offers nothing to wait on; so poll for the one observable effect, the trust rule taking
     * over from scram-sha-256, with a deadline.
     */
    private static void awaitHbaReload() {
        long deadline = System.nanoTime() + RELOAD_DEADLINE.toNanos();
        Connections noPassword = new Connections(Map.of());
        while (true) {
            String state = sqlState(catchThrowableOfType(FastcopyException.class,
                    () -> noPassword.open(as(NO_SUCH_ROLE, null), "fastcopy-test").close()));
            if ("28000".equals(state)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("the server did not apply the pg_hba.conf rules within " + RELOAD_DEADLINE + " (last SQLState " + state + ")");
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String sqlState(Throwable t) {
        return t != null && t.getCause() instanceof SQLException se ? se.getSQLState() : null;
    }

    /** flux1 as {@code role}, database postgres, passwords from {@code passfile} (may be null). */
    private static Endpoint as(String role, Path passfile) {
        return new Endpoint(server.name(), "127.0.0.1", server.port(), role, "postgres", passfile, Map.of());
    }

    private Path passfile(String password, String permissions) throws IOException {
        Path f = dir.resolve("pgpass");
        Files.writeString(f, "127.0.0.1:*:*:*:" + password + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(permissions));
        return f;
    }

    /** Opening must fail with a one-line CONNECTION error naming the endpoint and holding no password. */
    private static FastcopyException openFails(Connections connections, Endpoint ep) {
        FastcopyException e = catchThrowableOfType(FastcopyException.class,
                () -> connections.open(ep, "fastcopy-test").close());
        assertThat(e).as("connecting to %s", ep).isNotNull();
        assertOneLineNamingWithoutPasswords(e, ep);
        return e;
    }

    private static void assertOneLineNamingWithoutPasswords(FastcopyException e, Endpoint ep) {
        assertThat(e.exitCode()).isEqualTo(FastcopyException.CONNECTION);
        assertThat(e.getMessage()).startsWith("cannot connect to " + ep + ": ").doesNotContain("\n", "\r");
        assertThat(e).hasCauseInstanceOf(SQLException.class);
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).as("message of %s", t.getClass()).doesNotContain(RIGHT, WRONG);
        }
    }

    @Test
    void theRightPasswordFromAPrivatePasswordFileLogsIn() throws IOException, SQLException {
        Endpoint ep = as(member, passfile(RIGHT, "rw-------"));

        try (Connection c = new Connections(Map.of()).open(ep, "fastcopy-test"); Statement st = c.createStatement()) {
            assertThat(single(st, "SELECT current_user")).isEqualTo(member);
        }
    }

    @Test
    void aWrongPasswordFromThePasswordFileIsBlamedOnThatFile() throws IOException {
        Path file = passfile(WRONG, "rw-------");
        Endpoint ep = as(member, file);

        FastcopyException e = openFails(new Connections(Map.of()), ep);

        assertThat(e.getMessage())
                .startsWith("cannot connect to " + ep + ": password authentication failed for user '" + member + "'")
                .contains("the password came from " + file, "PGPASSFILE");
        assertThat(sqlState(e)).isEqualTo("28P01");
    }

    @Test
    void aWrongPgpasswordIsBlamedOnPgpasswordAndWinsOverARightPasswordFile() throws IOException {
        Endpoint ep = as(member, passfile(RIGHT, "rw-------"));

        FastcopyException e = openFails(new Connections(Map.of("PGPASSWORD", WRONG)), ep);

        assertThat(e.getMessage())
                .contains("password authentication failed for user '" + member + "'")
                .contains("the password came from PGPASSWORD; unset it to use ~/.pgpass or PGPASSFILE instead");
    }

    @Test
    void withNoPasswordAnywhereTheMessageSaysWhereToPutIt() {
        Path missing = dir.resolve("pgpass");
        Endpoint ep = as(member, missing);

        FastcopyException e = openFails(new Connections(Map.of()), ep);

        assertThat(e.getMessage())
                .contains("the server asks for a password and none was found in PGPASSWORD or " + missing)
                .contains("add a line 127.0.0.1:" + server.port() + ":postgres:" + member + ":<password>");
    }

    @Test
    void aPasswordFileOthersCanReadIsIgnoredAndBlamedByName() throws IOException {
        Path file = passfile(RIGHT, "rw-rw----");

        FastcopyException e = openFails(new Connections(Map.of()), as(member, file));

        assertThat(e.getMessage()).endsWith("the server asks for a password, and the password file " + file
                + " was ignored because it has group or world access; permissions should be u=rw (0600) or less");
    }

    @Test
    void aMissingDatabaseIsNamed() {
        Endpoint ep = server.endpoint("cf_no_such_database");

        assertThat(openFails(server.connections(), ep))
                .hasMessage("cannot connect to " + ep + ": database 'cf_no_such_database' does not exist");
    }

    @Test
    void aMissingRoleIsNamed() {
        Endpoint ep = as(NO_SUCH_ROLE, null);

        FastcopyException e = openFails(new Connections(Map.of()), ep);

        assertThat(e).hasMessage("cannot connect to " + ep + ": role '" + NO_SUCH_ROLE + "' does not exist");
        assertThat(sqlState(e)).isEqualTo("28000");
    }

    @Test
    void aLoginThatPgHbaRejectsQuotesTheServerAndPointsAtPgHba() {
        Endpoint ep = as(REFUSED_ROLE, dir.resolve("pgpass"));

        FastcopyException e = openFails(new Connections(Map.of()), ep);

        assertThat(e.getMessage())
                .contains("the server refused the login: pg_hba.conf rejects connection for host \"127.0.0.1\", user \""
                        + REFUSED_ROLE + "\", database \"postgres\"")
                .contains("check pg_hba.conf on the server");
    }

    @Test
    void aRoleOverItsConnectionLimitIsToldTheServerHasNoSlotsForIt() throws IOException {
        FastcopyException e = openFails(new Connections(Map.of()), as(capped, passfile(RIGHT, "rw-------")));

        assertThat(e.getMessage())
                .endsWith("the server has no free connection slots: too many connections for role \"" + capped + "\"");
        assertThat(sqlState(e)).isEqualTo("53300");
    }

    @Test
    void aPortNobodyListensOnIsRefused() throws IOException {
        // bound but not listening: connections to it are refused, and no server can take the port meanwhile
        try (Socket reserved = new Socket()) {
            reserved.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Endpoint ep = server.endpoint("postgres");
            Endpoint closed = new Endpoint(ep.name(), ep.host(), reserved.getLocalPort(), ep.user(), ep.database(),
                    ep.passfile(), ep.options());

            assertThat(openFails(server.connections(), closed)).hasMessage("cannot connect to " + closed + ": connection refused");
        }
    }

    @Test
    void anUnknownHostIsNamed() {
        Endpoint ep = new Endpoint("nowhere", "no-such-host.invalid", 5432, "mtt", "mttv3", null, Map.of());

        assertThat(openFails(new Connections(Map.of()), ep))
                .hasMessage("cannot connect to nowhere (mtt@no-such-host.invalid:5432/mttv3): unknown host 'no-such-host.invalid'");
    }

    @Test
    void multiLineMessagesBecomeOneLine() {
        assertThat(ConnectFailure.oneLine("first\n  DETAIL: second\r\nHINT: third\n")).isEqualTo("first; DETAIL: second; HINT: third");
    }
}
