package org.fastcopy.cli;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

/**
 * Roles are global: no copy of one database carries them. A copy lists the ones the target lacks
 * before it touches the target, creates them from the source's pg_dumpall with --roles (passwords
 * only when asked), and runs as a non-superuser on both sides wherever a restore by pg_restore
 * could, naming the missing privilege in one line where it could not.
 */
@ExtendWith(ClusterExtension.class)
class CopyRolesTest {
    private static final String PASSWORD = "Role-Pw-5521";
    private final TestClusters clusters;
    private final String suffix = "_" + ProcessHandle.current().pid();

    @TempDir
    Path work;

    CopyRolesTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @Test
    void rolesTheTargetLacksAreListedFirstAndDashDashRolesCreatesThemFromPgDumpallWithoutPasswords() throws Exception {
        String owner = "app_owner" + suffix;
        String reader = "app \"reader\"" + suffix;   // a name that needs quoting
        String auditor = "app_auditor" + suffix;
        String db = clusters.createDatabase(clusters.flux1(), "roles").database();
        on(clusters.flux1(), "postgres",
                "CREATE ROLE " + ident(owner) + " LOGIN CONNECTION LIMIT 7 PASSWORD " + literal(PASSWORD),
                "CREATE ROLE " + ident(reader) + " NOLOGIN",
                "CREATE ROLE " + ident(auditor),
                "GRANT " + ident(reader) + " TO " + ident(owner),
                "COMMENT ON ROLE " + ident(owner) + " IS 'owns the app'");
        on(clusters.flux1(), db,
                "CREATE TABLE accounts (id int PRIMARY KEY, name text)",
                "INSERT INTO accounts SELECT g, 'n' || g FROM generate_series(1, 100) g",
                "ALTER TABLE accounts OWNER TO " + ident(owner),
                "GRANT SELECT ON accounts TO " + ident(reader),
                "ALTER TABLE accounts ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY audit ON accounts FOR SELECT TO " + ident(auditor) + " USING (true)");

        CliRun refused = copy(db, superuser(clusters.flux1()), superuser(clusters.flux2()));
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.errLines()).hasSize(1);
        assertThat(refused.err()).contains("lacks 3 role(s)").contains(owner + " (owner)")
                .contains(reader + " (grantee)").contains(auditor + " (policy)").contains("--roles");
        assertThat(databaseExists(clusters.flux2(), db)).as("nothing was created on the target").isFalse();

        CliRun created = copy(db, superuser(clusters.flux1()), superuser(clusters.flux2()), "--roles");
        assertThat(created.exitCode()).as(created.err()).isZero();
        String attributes = "SELECT rolcanlogin::text || ' ' || rolconnlimit || ' ' || coalesce(shobj_description(oid, 'pg_authid'), '-')"
                + " FROM pg_roles WHERE rolname = " + literal(owner);
        assertThat(text(clusters.flux2(), "postgres", attributes)).isEqualTo("true 7 owns the app");
        assertThat(text(clusters.flux2(), "postgres", "SELECT coalesce(rolpassword, 'none') FROM pg_authid WHERE rolname = "
                + literal(owner))).as("no password without --roles-with-passwords").isEqualTo("none");
        assertThat(text(clusters.flux2(), "postgres", "SELECT pg_has_role(" + literal(owner) + ", " + literal(reader)
                + ", 'MEMBER')::text")).isEqualTo("true");
        String acl = "SELECT relowner::regrole::text || ' ' || relacl::text FROM pg_class WHERE relname = 'accounts'";
        assertThat(text(clusters.flux2(), db, acl)).isEqualTo(text(clusters.flux1(), db, acl));
        String policy = "SELECT polroles::regrole[]::text FROM pg_policy WHERE polname = 'audit'";
        assertThat(text(clusters.flux2(), db, policy)).isEqualTo(text(clusters.flux1(), db, policy));
    }

    @Test
    void rolesWithPasswordsCarriesThePasswordHash() throws Exception {
        String owner = "pw_owner" + suffix;
        String db = clusters.createDatabase(clusters.flux1(), "rolespw").database();
        on(clusters.flux1(), "postgres", "CREATE ROLE " + ident(owner) + " LOGIN PASSWORD " + literal(PASSWORD));
        on(clusters.flux1(), db, "CREATE TABLE t (id int)", "ALTER TABLE t OWNER TO " + ident(owner));

        CliRun run = copy(db, superuser(clusters.flux1()), superuser(clusters.flux2()), "--roles-with-passwords");

        assertThat(run.exitCode()).as(run.err()).isZero();
        String hash = "SELECT rolpassword FROM pg_authid WHERE rolname = " + literal(owner);
        assertThat(text(clusters.flux2(), "postgres", hash)).startsWith("SCRAM-SHA-256$")
                .isEqualTo(text(clusters.flux1(), "postgres", hash));
        assertThat(run.out() + run.err()).doesNotContain("SCRAM-SHA-256$").doesNotContain(PASSWORD);
        assertThat(Files.exists(work.resolve(db).resolve("roles.sql"))).as("the file with the hashes is deleted").isFalse();
    }

    @Test
    void aNonSuperuserOnBothSidesCopiesWhatItOwnsAndNamesTheMembershipItLacksForAnotherOwner() throws Exception {
        String copier = "copier" + suffix;
        String other = "other_owner" + suffix;
        for (LocalCluster c : List.of(clusters.flux1(), clusters.flux2())) {
            on(c, "postgres", "CREATE ROLE " + ident(copier) + " LOGIN CREATEDB PASSWORD " + literal(PASSWORD),
                    "CREATE ROLE " + ident(other));
        }
        String db = clusters.newDatabaseName("nonsuper");
        on(clusters.flux1(), "postgres", "CREATE DATABASE " + ident(db) + " TEMPLATE template0 OWNER " + ident(copier));
        on(clusters.flux1(), db,
                "SET ROLE " + ident(copier),
                "CREATE SCHEMA app",
                "CREATE TABLE app.items (id int PRIMARY KEY, v text)",
                "INSERT INTO app.items SELECT g, md5(g::text) FROM generate_series(1, 2000) g",
                "CREATE INDEX ON app.items (v)",
                "CREATE SEQUENCE app.counter",
                "SELECT setval('app.counter', 42)",
                "CREATE VIEW app.recent AS SELECT * FROM app.items WHERE id > 1900",
                "SELECT lo_from_bytea(0, '\\x0102'::bytea)");

        CliRun run = copy(db, as(clusters.flux1(), copier), as(clusters.flux2(), copier), "--verify", "checksums");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("all equal");
        assertThat(text(clusters.flux2(), db, "SELECT relowner::regrole::text FROM pg_class WHERE oid = 'app.items'::regclass"))
                .isEqualTo(copier);
        assertThat(text(clusters.flux2(), db, "SELECT last_value::text FROM app.counter")).isEqualTo("42");

        // A table of another owner: ALTER TABLE ... OWNER TO needs membership, on the target as for pg_restore.
        String db2 = clusters.newDatabaseName("nonsuper_other");
        on(clusters.flux1(), "postgres", "CREATE DATABASE " + ident(db2) + " TEMPLATE template0 OWNER " + ident(copier),
                "GRANT " + ident(other) + " TO " + ident(copier));
        on(clusters.flux1(), db2, "SET ROLE " + ident(copier), "CREATE SCHEMA app", "CREATE TABLE app.mine (id int)",
                "CREATE TABLE app.theirs (id int)", "GRANT CREATE ON SCHEMA app TO " + ident(other),
                "ALTER TABLE app.theirs OWNER TO " + ident(other));

        CliRun refused = copy(db2, as(clusters.flux1(), copier), as(clusters.flux2(), copier));
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.errLines()).hasSize(1);
        assertThat(refused.err()).contains("role " + copier).contains("owner(s) " + other)
                .contains("GRANT " + other + " TO " + copier).contains("--no-owner");
        assertThat(databaseExists(clusters.flux2(), db2)).isFalse();

        CliRun noOwner = copy(db2, as(clusters.flux1(), copier), as(clusters.flux2(), copier), "--no-owner");
        assertThat(noOwner.exitCode()).as(noOwner.err()).isZero();
        assertThat(text(clusters.flux2(), db2, "SELECT relowner::regrole::text FROM pg_class WHERE relname = 'theirs'"))
                .isEqualTo(copier);
    }

    private CliRun copy(String db, String src, String dst, String... extra) {
        List<String> args = new ArrayList<>(List.of("--src", src, "--dst", dst, "--db", db, "--jobs", "2",
                "--workdir", work.toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static String superuser(LocalCluster c) {
        return "host=127.0.0.1 port=" + c.port() + " user=postgres passfile=" + c.passfile();
    }

    /** A conninfo for {@code role}, its password in a 0600 file of the test's own. */
    private String as(LocalCluster c, String role) throws Exception {
        Path passfile = work.resolve("pgpass-" + c.port());
        if (!Files.exists(passfile)) {
            Files.createFile(passfile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(passfile, "127.0.0.1:" + c.port() + ":*:" + role.replace("\\", "\\\\").replace(":", "\\:")
                + ":" + PASSWORD + "\n");
        return "host=127.0.0.1 port=" + c.port() + " user=" + role + " passfile=" + passfile;
    }

    private void on(LocalCluster c, String db, String... sql) throws SQLException {
        try (Connection conn = clusters.connect(c, db); Statement st = conn.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private String text(LocalCluster c, String db, String sql) throws SQLException {
        try (Connection conn = clusters.connect(c, db); Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getString(1);
        }
    }

    private boolean databaseExists(LocalCluster c, String db) throws SQLException {
        return !text(c, "postgres", "SELECT count(*)::text FROM pg_database WHERE datname = " + literal(db)).equals("0");
    }
}
