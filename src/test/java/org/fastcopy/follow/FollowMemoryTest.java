package org.fastcopy.follow;

import org.fastcopy.testing.CliProcess;
import org.fastcopy.testing.LogicalClusters;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A follower in a 64 MB heap applies one source transaction of 200,000 rows of 640 bytes (about
 * 130 MB of row text, more as Java objects): it can only if the transaction's rows go to the
 * target as they arrive, never held whole in memory before the source's COMMIT.
 */
class FollowMemoryTest {
    private static final String HEAP = "-Xmx64m";
    private final LogicalClusters lc = LogicalClusters.get();

    @Test
    void aTransactionLargerThanTheHeapIsAppliedWhole() throws Exception {
        String db = lc.createDatabase(lc.source(), "follow_memory").database();
        try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE wide (id int PRIMARY KEY, v text NOT NULL)");
            st.execute("INSERT INTO wide SELECT g, 'copied' FROM generate_series(1, 10) g");
        }
        Path work = Path.of("target", "follow-memory-work");
        CliProcess p = CliProcess.start(List.of(HEAP, "-XX:+ExitOnOutOfMemoryError"),
                List.of("--src", CliProcess.conninfo(lc.source()), "--dst", CliProcess.conninfo(lc.target()),
                        "--db", db, "--jobs", "2", "--follow", "--workdir", work.toString()),
                work.resolve("follow.log"));
        try {
            awaitLog(p, "following slot");
            try (Connection c = lc.connect(lc.source(), db); Statement st = c.createStatement()) {
                st.execute("INSERT INTO wide SELECT g, repeat(md5(g::text), 20) FROM generate_series(11, 200010) g");
            }
            p.signal("USR1"); // cut over: everything committed before, the large transaction included
            assertThat(p.await(Duration.ofSeconds(240))).as("exit in a %s heap; log:%n%s", HEAP, p.log()).isZero();
            try (Connection s = lc.connect(lc.source(), db); Connection t = lc.connect(lc.target(), db)) {
                assertThat(wide(t)).startsWith("200010 rows").isEqualTo(wide(s));
            }
            assertThat(FollowFixture.slotExists(lc, db, FollowSpec.defaultSlotName(db))).isFalse();
        } finally {
            p.destroy();
        }
    }

    private static String wide(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) || ' rows, md5 ' || md5(string_agg(md5(id || v), '' ORDER BY id)) FROM wide")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void awaitLog(CliProcess p, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline && !p.log().contains(text)) {
            assertThat(p.isAlive()).as("alive; log:%n%s", p.log()).isTrue();
            Thread.sleep(100);
        }
        assertThat(p.log()).contains(text);
    }
}
