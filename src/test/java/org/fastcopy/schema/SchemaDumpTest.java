package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** pg_dump in the run's snapshot, pg_restore per section. */
@ExtendWith(ClusterExtension.class)
class SchemaDumpTest {
    @TempDir
    Path workdir;

    @Test
    void dumpsWhatTheExportedSnapshotSeesNotWhatCameLater(TestClusters clusters) throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "dump_src");
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement();
             Connection holder = clusters.connect(clusters.flux1(), src.database()); Statement hs = holder.createStatement()) {
            st.execute("CREATE TABLE before_snapshot (id int PRIMARY KEY); GRANT SELECT ON before_snapshot TO PUBLIC");
            holder.setAutoCommit(false);
            hs.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            String snapshot;
            try (ResultSet rs = hs.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                snapshot = rs.getString(1);
            }
            st.execute("CREATE TABLE after_snapshot (id int PRIMARY KEY)");

            SchemaDump dump = SchemaDump.dump(clusters.flux1().connections(), src, snapshot, workdir);

            assertThat(dump.archive()).isRegularFile();
            assertThat(dump.render(Section.PRE_DATA).entries()).extracting(TocEntry::name)
                    .contains("before_snapshot").doesNotContain("after_snapshot");
            assertThat(dump.render(Section.POST_DATA).entries()).extracting(TocEntry::type, TocEntry::name)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("CONSTRAINT", "before_snapshot before_snapshot_pkey"));
            assertThat(workdir.resolve("pre-data.sql")).isRegularFile();

            // for a target without the source's roles, or where the user may not grant
            assertThat(dump.render(Section.PRE_DATA).entries()).extracting(TocEntry::type).contains("ACL");
            assertThat(dump.render(Section.PRE_DATA, new RestoreOptions(true, true)).entries())
                    .noneMatch(e -> e.type().equals("ACL"))
                    .noneMatch(e -> e.sql().contains("OWNER TO"));
            holder.rollback();
        }
    }

    @Test
    void aSnapshotNoLongerHeldIsPgDumpsErrorOnOneLine(TestClusters clusters) {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "dump_src");
        assertThatThrownBy(() -> SchemaDump.dump(clusters.flux1().connections(), src, "00000003-0000001B-1", workdir))
                .isInstanceOf(FastcopyException.class)
                .hasMessageStartingWith("pg_dump --schema-only of " + src + " failed (exit 1): pg_dump: error:")
                .hasMessageContaining("invalid snapshot identifier")
                .message().doesNotContain("\n");
    }

    @Test
    void noClientProgramsNewEnoughIsOneLineNamingTheVersions() {
        var thrown = assertThatThrownBy(() -> SchemaDump.clientFor(new SchemaDump.ServerVersion(99, "99.1"), "source flux1"))
                .isInstanceOf(FastcopyException.class);
        if (System.getenv("PG_BIN") == null) {
            // the newest installed client is named with its version, beside the source's (issue 16)
            thrown.hasMessageMatching("pg_dump \\d+ \\(/[^)]+\\) is older than source flux1 \\(PostgreSQL 99\\.1\\):"
                    + " install the PostgreSQL 99 client programs or set PG_BIN");
        } else {
            // PG_BIN is taken whatever its version; then pg_dump --version decides
            thrown.hasMessageMatching("pg_dump in .* is version \\d+, older than source flux1 \\(PostgreSQL 99\\.1\\):"
                    + " point --pg-bin or PG_BIN at PostgreSQL 99 or newer client programs");
        }
    }
}
