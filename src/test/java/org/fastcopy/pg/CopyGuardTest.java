package org.fastcopy.pg;

import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** CopyGuard and Rollback on a real server: the COPY always ends, the connection stays usable, the first error wins. */
@ExtendWith(ClusterExtension.class)
class CopyGuardTest {
    /** Far more than socket buffers hold: the server is still sending when the test stops reading. */
    private static final String ENDLESS = "COPY (SELECT generate_series(1, 100000000)) TO STDOUT";

    @Test
    void aCopyInIsCancelledWhenTheBodyThrowsAndTheBodysErrorIsTheOneThrown(TestClusters clusters) throws SQLException {
        String db = clusters.createDatabase(clusters.flux2(), "pg_guard_in").database();
        try (Connection c = clusters.connect(clusters.flux2(), db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id int)");
            IllegalStateException boom = new IllegalStateException("the row source failed");
            CopyIn[] started = new CopyIn[1];

            Throwable thrown = catchThrowable(() -> {
                try (Rollback tx = Rollback.begin(c); CopyGuard<CopyIn> copy = CopyGuard.copyIn(c, "COPY t FROM STDIN")) {
                    started[0] = copy.op();
                    byte[] row = "1\n".getBytes(StandardCharsets.UTF_8);
                    copy.op().writeToCopy(row, 0, row.length);
                    throw boom;
                }
            });

            assertThat(thrown).isSameAs(boom);
            assertThat(started[0].isActive()).isFalse();
            c.setAutoCommit(true);
            assertThat(Scalar.longValue(c, "SELECT count(*) FROM t")).isZero();
        }
    }

    @Test
    void aCopyOutLeftActiveIsCancelledAndDrainedSoTheNextStatementWorks(TestClusters clusters) throws SQLException {
        try (Connection c = clusters.connect(clusters.flux2(), Databases.MAINTENANCE_DB)) {
            CopyOut out;
            try (CopyGuard<CopyOut> copy = CopyGuard.copyOut(c, ENDLESS)) {
                out = copy.op();
                assertThat(out.readFromCopy()).isNotNull();
            }
            assertThat(out.isActive()).isFalse();
            // with CopyOut.cancelCopy() alone this statement would read the rest of the COPY stream
            assertThat(Scalar.longValue(c, "SELECT 42")).isEqualTo(42);
        }
    }

    @Test
    void whenTheSessionDiesMidCopyTheReadErrorWinsAndTheRollbackStillRuns(TestClusters clusters) throws SQLException {
        try (Connection c = clusters.connect(clusters.flux2(), Databases.MAINTENANCE_DB);
             Connection killer = clusters.connect(clusters.flux2(), Databases.MAINTENANCE_DB)) {
            int pid = c.unwrap(PGConnection.class).getBackendPID();
            SQLException[] seen = new SQLException[1];

            SQLException thrown = catchThrowableOfType(SQLException.class, () -> {
                try (Rollback tx = Rollback.begin(c); CopyGuard<CopyOut> copy = CopyGuard.copyOut(c, ENDLESS)) {
                    copy.op().readFromCopy();
                    // returns once the backend has exited (PostgreSQL 14+: the timeout argument)
                    assertThat(Scalar.bool(killer, "SELECT pg_terminate_backend(?, 60000)", pid)).isTrue();
                    try {
                        while (copy.op().readFromCopy() != null) {
                            // what was in flight before the backend died
                        }
                    } catch (SQLException e) {
                        seen[0] = e;
                        throw e;
                    }
                }
            });

            assertThat((Throwable) seen[0]).isNotNull();
            assertThat((Throwable) thrown).isSameAs(seen[0]);
            // the rollback ran after the cancel, on a dead connection: its failure rides along
            assertThat(thrown.getSuppressed()).isNotEmpty()
                    .allSatisfy(s -> assertThat(s).isInstanceOf(SQLException.class));
        }
    }
}
