package org.fastcopy.copy;

import org.fastcopy.FastcopyException;
import org.fastcopy.plan.CopyPlan;
import org.fastcopy.snapshot.SourceSnapshot;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.ServerProbe;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.scalar;
import static org.fastcopy.copy.CopyFixture.text;

/**
 * The source keeps changing while it is copied: rows inserted, updated and deleted, and a table
 * truncated before its turn. The target must equal the source as of the snapshot.
 *
 * <p>TRUNCATE is the hard one: it is not MVCC-safe, so through a snapshot taken before it, the
 * table reads as empty (the first test shows PostgreSQL doing so), and a verify reading the same
 * snapshot would agree with an empty target. fastcopy therefore locks every source table in
 * ACCESS SHARE mode before it takes the snapshot, as pg_dump does: the TRUNCATE waits for the
 * end of the run, and rows are never lost silently.
 */
@ExtendWith(ClusterExtension.class)
class SourceChangesDuringCopyTest {
    private static final List<String> TABLES = List.of("ins", "upd", "del", "trunc");
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final TestClusters clusters;
    private final ServerProbe probe;
    private final Path work = Path.of("target", "source-changes-work");

    SourceChangesDuringCopyTest(TestClusters clusters) {
        this.clusters = clusters;
        this.probe = new ServerProbe(clusters);
    }

    @Test
    void aTableTruncatedAfterAnUnlockedSnapshotReadsAsEmptyThroughIt() throws Exception {
        String db = source("truncate_quirk");
        try (Connection holder = clusters.connect(clusters.flux1(), db);
             Connection reader = clusters.connect(clusters.flux1(), db);
             Connection other = clusters.connect(clusters.flux1(), db);
             SourceSnapshot snapshot = SourceSnapshot.export(holder)) {
            exec(other, "TRUNCATE trunc");
            snapshot.importInto(reader);
            assertThat(scalar(reader, "SELECT count(*) FROM trunc")).as("rows of trunc through the old snapshot").isZero();
            assertThat(scalar(reader, "SELECT count(*) FROM del")).isEqualTo(5000);
        }
    }

    @Test
    void insertsUpdatesAndDeletesDuringTheCopyLeaveTheTargetEqualToTheSnapshot() throws Exception {
        String db = source("changing");
        Map<String, String> atSnapshot = digests(clusters.flux1(), db);
        CopyJob.Listener changeTheSource = new CopyJob.Listener() {
            @Override
            public void snapshotExported(String database, String snapshotId) {
                try (Connection c = clusters.connect(clusters.flux1(), db)) {
                    exec(c, "INSERT INTO ins SELECT g, 'new ' || g FROM generate_series(5001, 5500) g");
                    exec(c, "UPDATE upd SET v = 'changed' WHERE id % 3 = 0");
                    exec(c, "DELETE FROM del WHERE id % 2 = 0");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        };

        CopyReport report = new CopyJob(CopyFixture.spec(clusters, db, work), clusters.flux1().connections(),
                changeTheSource).run().get(0);

        assertThat(report.verify().ok()).as("%s", report.verify().mismatches()).isTrue();
        assertThat(digests(clusters.flux2(), db)).isEqualTo(atSnapshot);
        try (Connection src = clusters.connect(clusters.flux1(), db)) {
            // The changes did happen, on the source, after the snapshot.
            assertThat(scalar(src, "SELECT count(*) FROM ins")).isEqualTo(5500);
            assertThat(scalar(src, "SELECT count(*) FROM del")).isEqualTo(2500);
            assertThat(text(src, "SELECT v FROM upd WHERE id = 3")).isEqualTo("changed");
        }
    }

    /**
     * The TRUNCATE cannot take its table from under the snapshot: it waits for the snapshot's
     * lock. The run's reader of that table then queues behind the TRUNCATE, a wait on itself that
     * would never end: the run stops naming the table and the session, with its committed units
     * whole, and the TRUNCATE goes through once the run has let go. --resume finishes the copy
     * from a new snapshot, in which the table is empty.
     */
    @Test
    void aTruncateOfATableNotYetCopiedWaitsForTheSnapshotAndTheRunStopsNamingItInsteadOfLosingRows() throws Exception {
        String db = source("truncating");
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            // The smallest table is copied last.
            exec(c, "DELETE FROM trunc WHERE id > 100");
            exec(c, "VACUUM FULL trunc");
        }
        ExecutorService pool = Executors.newSingleThreadExecutor();
        AtomicInteger truncatePid = new AtomicInteger();
        AtomicReference<CompletableFuture<Void>> truncate = new AtomicReference<>();
        CopyJob.Listener truncateOnce = new CopyJob.Listener() {
            @Override
            public void unitCommitted(String database, CopyPlan.PlannedUnit unit) {
                if (truncate.get() != null) {
                    return;
                }
                truncate.set(CompletableFuture.runAsync(() -> {
                    try (Connection c = clusters.connect(clusters.flux1(), db)) {
                        truncatePid.set((int) scalar(c, "SELECT pg_backend_pid()"));
                        exec(c, "TRUNCATE trunc");
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
                try {
                    probe.await("the TRUNCATE waiting for the snapshot's lock", DEADLINE, () -> !truncate.get().isDone(),
                            () -> truncatePid.get() != 0 && probe.count(clusters.flux1(), "postgres",
                                    "SELECT count(*) FROM pg_stat_activity WHERE pid = " + truncatePid.get()
                                            + " AND wait_event_type = 'Lock'") == 1);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        CopySpec spec = CopyFixture.with(CopyFixture.spec(clusters, db, work), 1, 1L << 30, true, false, true);

        FastcopyException stopped;
        try {
            stopped = catchThrowableOfType(() -> new CopyJob(spec, clusters.flux1().connections(), truncateOnce).run(),
                    FastcopyException.class);
            truncate.get().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        assertThat(stopped).as("the run stops").isNotNull();
        assertThat(stopped.getMessage()).contains("public.trunc", "pid " + truncatePid.get(), "TRUNCATE trunc",
                "exclusive lock");
        assertThat(probe.unitMarks(db)).hasSize(3).doesNotContainKey("public.trunc");
        try (Connection dst = clusters.connect(clusters.flux2(), db); Connection src = clusters.connect(clusters.flux1(), db)) {
            assertThat(scalar(dst, "SELECT count(*) FROM trunc")).isZero();
            assertThat(scalar(dst, "SELECT count(*) FROM ins")).isEqualTo(5000);
            assertThat(scalar(src, "SELECT count(*) FROM trunc")).as("truncated once the run let go").isZero();
        }

        CopyReport resumed = new CopyJob(CopyFixture.with(spec, 1, 1L << 30, false, true, false),
                clusters.flux1().connections()).run().get(0);
        assertThat(resumed.verify().ok()).as("%s", resumed.verify().mismatches()).isTrue();
        assertThat(digests(clusters.flux2(), db)).isEqualTo(digests(clusters.flux1(), db));
    }

    /** A source database of four 2,000-row tables. */
    private String source(String prefix) throws SQLException {
        String db = clusters.createDatabase(clusters.flux1(), prefix).database();
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            for (String t : TABLES) {
                exec(c, "CREATE TABLE " + t + " (id int PRIMARY KEY, v text)");
                exec(c, "INSERT INTO " + t + " SELECT g, md5(g::text) FROM generate_series(1, 5000) g"); // over 256 kB: a unit each, not a batch
            }
        }
        return db;
    }

    /** Table -> row count and digest of its rows in key order. */
    private Map<String, String> digests(org.fastcopy.cluster.LocalCluster cluster, String db) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = clusters.connect(cluster, db)) {
            for (String t : TABLES) {
                out.put(t, text(c, "SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' ORDER BY id)), '-')"
                        + " FROM " + t + " x"));
            }
        }
        return out;
    }
}
