package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
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
import static org.fastcopy.util.Sql.ident;

/**
 * The dry run's COPY sample on its own: nothing to sample is "no v3 to sample", anything else the
 * server says is an error in the one server-error format, not a silent "no estimate".
 */
@ExtendWith(ClusterExtension.class)
class DryRunSampleTest {

    private static DryRun dryRun(LocalCluster server) {
        // sample() asks only the servers; the plan is for lines()
        return new DryRun(null, new Servers(server.connections()));
    }

    @Test
    void aDatabaseWithoutTablesHasNothingToSample(TestClusters clusters) {
        LocalCluster server = clusters.flux1();
        String db = clusters.createDatabase(server, "dry_empty").database();

        assertThat(dryRun(server).sample(server.endpoint(null), "flux1", db)).isNull();
    }

    @Test
    void theLargestTableIsSampledAndTheSessionIsLeftIdle(TestClusters clusters) throws SQLException {
        LocalCluster server = clusters.flux1();
        String db = clusters.createDatabase(server, "dry_rate").database();
        try (Connection c = clusters.connect(server, db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE small (id int)");
            st.execute("CREATE TABLE big AS SELECT generate_series(1, 20000) AS id");
        }

        DryRun.Rate rate = dryRun(server).sample(server.endpoint(null), "flux1", db);

        assertThat(rate.table()).isEqualTo("public.big");
        assertThat(rate.bytes()).isPositive();
    }

    /** Before: any SQLException meant "no v3 to sample", so a lock wait cut short read as an empty server. */
    @Test
    void aSampleThatFailsForAnotherReasonThanAMissingTableIsAnError(TestClusters clusters) throws SQLException {
        LocalCluster server = clusters.flux1();
        String db = clusters.createDatabase(server, "dry_locked").database();
        try (Connection c = clusters.connect(server, db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t AS SELECT generate_series(1, 1000) AS id");
            st.execute("ALTER DATABASE " + ident(db) + " SET lock_timeout = '50ms'");
        }
        try (Connection holder = clusters.connect(server, db); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            // held for the whole sample: the sampler's lock request cannot be granted, whatever the timing
            st.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");

            FastcopyException e = catchThrowableOfType(FastcopyException.class,
                    () -> dryRun(server).sample(server.endpoint(null), "flux1", db));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).startsWith("dry run: sampling the COPY read rate of " + db)
                    .endsWith("(SQLSTATE 55P03)");
            holder.rollback();
        }
    }
}
