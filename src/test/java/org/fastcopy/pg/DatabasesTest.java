package org.fastcopy.pg;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Databases and UserRelations against a real server: the one "empty", FORCE, the catalogue query. */
@ExtendWith(ClusterExtension.class)
class DatabasesTest {

    @Test
    void aDatabaseWithOnlyAnEmptySchemaPublicCountsAsEmpty(TestClusters clusters) throws SQLException {
        LocalCluster server = clusters.flux2();
        String db = clusters.newDatabaseName("pg_empty");
        try (Connection admin = clusters.connect(server, Databases.MAINTENANCE_DB)) {
            assertThat(Databases.exists(admin, db)).isFalse();
            assertThat(Databases.oid(admin, db)).isEqualTo(-1);
            assertThat(Databases.size(admin, db)).isEqualTo(-1);
            Databases.create(admin, db);
            assertThat(Databases.exists(admin, db)).isTrue();
            assertThat(Databases.oid(admin, db)).isPositive();
            assertThat(Databases.size(admin, db)).isPositive();
            try (Connection c = clusters.connect(server, db); Statement st = c.createStatement()) {
                assertThat(Databases.isEmpty(c)).isTrue();
                // schemas, functions and this session's temporary tables are not content
                st.execute("CREATE SCHEMA staging");
                st.execute("CREATE FUNCTION staging.f() RETURNS int LANGUAGE sql AS 'SELECT 1'");
                st.execute("CREATE TEMP TABLE scratch (id int)");
                assertThat(Databases.isEmpty(c)).isTrue();
                assertThat(UserRelations.tables(c)).isEmpty();

                st.execute("CREATE TABLE staging.\"T 1\" (id int PRIMARY KEY)");
                assertThat(Databases.isEmpty(c)).isFalse();
                // the table and its index
                assertThat(Databases.contentCount(c)).isEqualTo(2);
            }
            Databases.drop(admin, db, Databases.OtherSessions.REFUSE);
            assertThat(Databases.exists(admin, db)).isFalse();
        }
    }

    @Test
    void aLargeObjectAloneMakesADatabaseNotEmpty(TestClusters clusters) throws SQLException {
        LocalCluster server = clusters.flux2();
        String db = clusters.createDatabase(server, "pg_lo").database();
        try (Connection c = clusters.connect(server, db); Statement st = c.createStatement()) {
            st.execute("SELECT lo_create(0)");
            assertThat(UserRelations.count(c)).isZero();
            assertThat(Databases.isEmpty(c)).isFalse();
        }
        drop(clusters, server, db);
    }

    @Test
    void dropWithEndEndsOtherSessionsOnThirteenAndLater(TestClusters clusters) throws SQLException {
        LocalCluster server = clusters.flux2();
        String db = clusters.createDatabase(server, "pg_force").database();
        try (Connection admin = clusters.connect(server, Databases.MAINTENANCE_DB);
             Connection other = clusters.connect(server, db)) {
            assertThat(ServerFeatures.versionNum(admin)).isGreaterThanOrEqualTo(Databases.FORCE_SINCE);

            Databases.drop(admin, db, Databases.OtherSessions.END);

            assertThat(Databases.exists(admin, db)).isFalse();
            SQLException ended = catchThrowableOfType(SQLException.class, () -> other.createStatement().execute("SELECT 1"));
            assertThat((Throwable) ended).isNotNull();
        }
    }

    @Test
    void dropWithRefuseFailsWhileAnotherSessionIsConnectedAndLeavesTheDatabase(TestClusters clusters) throws SQLException {
        LocalCluster server = clusters.flux2();
        String db = clusters.createDatabase(server, "pg_refuse").database();
        try (Connection admin = clusters.connect(server, Databases.MAINTENANCE_DB)) {
            try (Connection other = clusters.connect(server, db)) {
                SQLException refused = catchThrowableOfType(SQLException.class,
                        () -> Databases.drop(admin, db, Databases.OtherSessions.REFUSE));

                assertThat(refused.getSQLState()).isEqualTo(SqlStates.OBJECT_IN_USE);
                assertThat(ServerError.describe(refused)).endsWith("(SQLSTATE 55006)").doesNotContain("\n");
                assertThat(Databases.exists(admin, db)).isTrue();
                assertThat(other.isValid(5)).isTrue();
            }
            Databases.drop(admin, db, Databases.OtherSessions.REFUSE);
            assertThat(Databases.exists(admin, db)).isFalse();
        }
    }

    @Test
    void userRelationsListsTablesAndPartitionedTablesAndPicksTheLargest(TestClusters clusters) throws SQLException {
        LocalCluster server = clusters.flux2();
        String db = clusters.createDatabase(server, "pg_rel").database();
        try (Connection c = clusters.connect(server, db); Statement st = c.createStatement()) {
            assertThat(UserRelations.largestTable(c)).isEmpty();
            st.execute("CREATE TABLE small (id int)");
            st.execute("CREATE TABLE \"Big\" (id int)");
            st.execute("INSERT INTO \"Big\" SELECT generate_series(1, 10000)");
            st.execute("CREATE TABLE parted (id int) PARTITION BY RANGE (id)");
            st.execute("CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10)");
            st.execute("CREATE VIEW v AS SELECT 1");

            assertThat(UserRelations.tables(c)).extracting(UserRelations.Relation::toString)
                    .containsExactly("public.Big", "public.parted", "public.parted_1", "public.small");
            assertThat(UserRelations.largestTable(c)).map(UserRelations.Relation::qualifiedName)
                    .contains("\"public\".\"Big\"");
        }
        drop(clusters, server, db);
    }

    @Test
    void aServerErrorReadsAsItsPrimaryMessageAndSqlState(TestClusters clusters) throws SQLException {
        try (Connection c = clusters.connect(clusters.flux2(), Databases.MAINTENANCE_DB)) {
            SQLException e = catchThrowableOfType(SQLException.class, () -> Scalar.longValue(c, "SELECT 1 / 0"));
            assertThat(ServerError.describe(e)).isEqualTo("division by zero (SQLSTATE 22012)");
            assertThat(SqlStates.of(new RuntimeException("wrapped", e))).isEqualTo("22012");
            assertThat(SqlStates.has(new RuntimeException(e), "22012")).isTrue();

            SQLException none = catchThrowableOfType(SQLException.class, () -> Scalar.longValue(c, "SELECT 1 WHERE false"));
            assertThat((Throwable) none).hasMessage("query returned no row: SELECT 1 WHERE false");
            assertThat(Scalar.text(c, "SELECT ?::text", "x")).isEqualTo("x");
            assertThat(Scalar.doubleOrNull(c, "SELECT NULL::float8")).isNull();
        }
    }

    private static void drop(TestClusters clusters, LocalCluster server, String db) throws SQLException {
        try (Connection admin = clusters.connect(server, Databases.MAINTENANCE_DB)) {
            Databases.drop(admin, db, Databases.OtherSessions.REFUSE);
        }
    }
}
