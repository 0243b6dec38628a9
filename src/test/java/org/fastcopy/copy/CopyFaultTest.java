package org.fastcopy.copy;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.testing.CliProcess;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.ServerProbe;
import org.fastcopy.testing.TestClusters;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.copy.CopyFixture.column;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.scalar;
import static org.fastcopy.copy.CopyFixture.text;

/**
 * Copies that meet real faults on the real clusters: a worker's backend terminated while its COPY
 * streams, the fastcopy process itself killed with SIGKILL and resumed, and large objects, which
 * the schema dump does not carry.
 *
 * <p>To catch a COPY in the act without guessing at timings, the fixture tables carry a CHECK
 * constraint whose function sleeps a millisecond per row, but only in fastcopy's COPY writers
 * (application_name fastcopy-copy-N): the fixture loads at full speed, and the copy of such a
 * table takes a known, observable time. A CHECK is part of CREATE TABLE, so it is on the target
 * table from pre-data on, and the schemas stay identical.
 */
@ExtendWith(ClusterExtension.class)
class CopyFaultTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** A CHECK function that sleeps 1 ms per row, in fastcopy's COPY writers only. */
    static final String SLOW_CHECK = """
            CREATE FUNCTION slow_in_fastcopy(v text) RETURNS boolean LANGUAGE plpgsql AS $$
            BEGIN
                IF current_setting('application_name') LIKE 'fastcopy-copy-%' THEN
                    PERFORM pg_sleep(0.001);
                END IF;
                RETURN v IS NOT NULL;
            END $$""";

    private final TestClusters clusters;
    private final Path work = Path.of("target", "copy-fault-work");
    private final ServerProbe probe;

    CopyFaultTest(TestClusters clusters) {
        this.clusters = clusters;
        this.probe = new ServerProbe(clusters);
    }

    @ParameterizedTest(name = "the {0} backend")
    @ValueSource(strings = {"source", "target"})
    void aWorkerWhoseBackendIsTerminatedMidStreamIsRetriedAndTheCopyEndsExact(String side) throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "fault_" + side);
        String db = src.database();
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            for (int i = 1; i <= 3; i++) {
                exec(c, "CREATE TABLE bulk" + i + " (id int PRIMARY KEY, body text)");
                exec(c, "INSERT INTO bulk" + i + " SELECT g, repeat(md5((g * " + i + ")::text), 9)"
                        + " FROM generate_series(1, 10000) g");
            }
            exec(c, SLOW_CHECK);
            exec(c, "CREATE TABLE slow_checked (id int PRIMARY KEY, v text CHECK (slow_in_fastcopy(v)))");
            // 12 kB a row, 18 MB in all: more than the loopback sockets buffer, so the source's
            // COPY cannot finish ahead of the target's.
            exec(c, "INSERT INTO slow_checked SELECT g, repeat(md5(g::text), 384) FROM generate_series(1, 1500) g");
        }
        // A ring of 4 x 4 kB keeps the source's COPY of the slow table streaming (back-pressure)
        // for as long as the target's: either side's backend is then killed mid-stream.
        CopySpec base = CopyFixture.spec(clusters, db, work);
        CopySpec spec = new CopySpec(base.source(), base.target(), base.databases(), 2, 2, 1L << 30, true, false,
                VerifyMode.CHECKSUMS, false, work, 4, 4096, false);
        LocalCluster victim = side.equals("source") ? clusters.flux1() : clusters.flux2();

        CopyReport report;
        ExecutorService pool = Executors.newSingleThreadExecutor();
        AtomicBoolean stop = new AtomicBoolean();
        try {
            CompletableFuture<Integer> killed = CompletableFuture.supplyAsync(
                    () -> terminateFirstCopyOf(victim, db, "slow_checked", stop), pool);
            report = new CopyJob(spec, clusters.flux1().connections()).run().get(0);
            stop.set(true);
            assertThat(killed.get(10, TimeUnit.SECONDS)).as("pid of the terminated %s backend", side).isPositive();
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }

        assertThat(report.retries()).isGreaterThanOrEqualTo(1);
        assertThat(report.verify().ok()).as("%s", report.verify().mismatches()).isTrue();
        assertThat(report.verify().tablesCompared()).isEqualTo(4);
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            assertThat(scalar(dst, "SELECT count(*) FROM slow_checked")).isEqualTo(1500);
            assertThat(scalar(dst, "SELECT count(*) FROM bulk3")).isEqualTo(10000);
        }
    }

    @Test
    void aCopyKilledWithSigkillMidDataResumesAndEndsExact() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "sigkill");
        String db = src.database();
        int tables = 12;
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            exec(c, SLOW_CHECK);
            for (int i = 1; i <= tables; i++) {
                exec(c, "CREATE TABLE t" + i + " (id int PRIMARY KEY, v text CHECK (slow_in_fastcopy(v)))");
                exec(c, "CREATE INDEX ON t" + i + " (v)");
                // Rows of about 1.6 kB, so each table (over 256 kB) is a unit of its own, not a batch.
                exec(c, "INSERT INTO t" + i + " SELECT g, repeat(md5((g * " + i + ")::text), 50) FROM generate_series(1, 200) g");
            }
        }
        Path dir = work.resolve(db).toAbsolutePath();
        Files.createDirectories(dir);
        // One stream: about 0.2 s per table, so the ledger is seen growing long before the end.
        List<String> args = List.of("--src", CliProcess.conninfo(clusters.flux1()), "--dst",
                CliProcess.conninfo(clusters.flux2()), "--db", db, "--jobs", "1", "--verify", "checksums",
                "--keep-ledger", "--workdir", dir.toString());

        CliProcess first = CliProcess.start(args, dir.resolve("first.log"));
        try {
            probe.await("3 units committed", DEADLINE, first::isAlive, () -> probe.unitsDone(db) >= 3);
        } finally {
            first.destroy();
        }
        // A COMMIT sent just before the kill still lands: read the ledger once the run's backends are gone.
        probe.awaitNoRunBackends(DEADLINE);
        Map<String, String> before = probe.unitMarks(db);
        assertThat(before.size()).as("units committed before the kill").isGreaterThanOrEqualTo(3).isLessThan(tables);

        List<String> resumeArgs = new ArrayList<>(args);
        resumeArgs.add("--resume");
        CliProcess second = CliProcess.start(resumeArgs, dir.resolve("resume.log"));
        assertThat(second.await(DEADLINE)).as("exit code of the resumed run; log: %s", second.log()).isZero();

        String report = Files.readString(dir.resolve("report-" + db + ".json"));
        assertThat(report).contains("\"resumed\": true").contains("\"mode\": \"checksums\"")
                .contains("\"tables_compared\": " + tables).contains("\"mismatches\": []");
        // One unit per table, and perTable lists what this run copied: exactly the units the first left.
        assertThat(report.split("\"table\": ", -1)).hasSize(tables - before.size() + 1);
        Map<String, String> after = probe.unitMarks(db);
        assertThat(after).hasSize(tables).containsAllEntriesOf(before);
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            assertThat(scalar(dst, "SELECT sum(n) FROM (SELECT count(*) AS n FROM t1 UNION ALL SELECT count(*) FROM t"
                    + tables + ") x")).isEqualTo(400);
        }
    }

    @Test
    void largeObjectsCopyWithTheirOidsBytesOwnersPrivilegesAndComments() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "blobs");
        String db = src.database();
        for (LocalCluster c : List.of(clusters.flux1(), clusters.flux2())) {
            try (Connection conn = clusters.connect(c, "postgres")) {
                exec(conn, "DO $$ BEGIN CREATE ROLE fastcopy_lo_owner; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
            }
        }
        long big;
        long empty;
        long commented;
        long shared;
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            exec(c, "CREATE TABLE documents (id int PRIMARY KEY, body oid)");
            // 2.5 MB + 7 bytes: pieces of 1 MB and a short last one.
            big = scalar(c, "SELECT lo_from_bytea(0, convert_to(string_agg(md5(g::text), '') || 'tail...', 'UTF8'))"
                    + " FROM generate_series(1, 81920) g");
            empty = scalar(c, "SELECT lo_create(0)");
            commented = scalar(c, "SELECT lo_from_bytea(0, '\\x00ff00'::bytea)");
            exec(c, "COMMENT ON LARGE OBJECT " + commented + " IS 'scanned form, ''page'' 1'");
            shared = scalar(c, "SELECT lo_from_bytea(0, convert_to('shared with everyone', 'UTF8'))");
            exec(c, "ALTER LARGE OBJECT " + shared + " OWNER TO fastcopy_lo_owner");
            exec(c, "GRANT SELECT ON LARGE OBJECT " + shared + " TO PUBLIC");
            // More than a catalogue page of small objects.
            exec(c, "SELECT lo_from_bytea(0, convert_to(repeat(md5(g::text), g % 7), 'UTF8')) FROM generate_series(1, 450) g");
            exec(c, "INSERT INTO documents SELECT row_number() OVER (ORDER BY oid), oid FROM pg_largeobject_metadata");
        }

        CopyReport report = new CopyJob(CopyFixture.spec(clusters, db, work), clusters.flux1().connections()).run().get(0);

        assertThat(report.verify().ok()).isTrue();
        String digests = "SELECT oid::text || ' ' || md5(lo_get(oid)) FROM pg_largeobject_metadata ORDER BY oid";
        try (Connection s = clusters.connect(clusters.flux1(), db); Connection d = clusters.connect(clusters.flux2(), db)) {
            assertThat(column(d, digests)).hasSize(454).isEqualTo(column(s, digests));
            assertThat(scalar(d, "SELECT octet_length(lo_get(" + big + "))")).isEqualTo(81920 * 32 + 7);
            assertThat(scalar(d, "SELECT octet_length(lo_get(" + empty + "))")).isZero();
            assertThat(text(d, "SELECT obj_description(" + commented + ", 'pg_largeobject')")).isEqualTo("scanned form, 'page' 1");
            assertThat(text(d, "SELECT lomowner::regrole::text FROM pg_largeobject_metadata WHERE oid = " + shared))
                    .isEqualTo("fastcopy_lo_owner");
            assertThat(text(d, "SELECT lomacl::text FROM pg_largeobject_metadata WHERE oid = " + shared))
                    .isEqualTo(text(s, "SELECT lomacl::text FROM pg_largeobject_metadata WHERE oid = " + shared));
            assertThat(scalar(d, "SELECT count(*) FROM documents d JOIN pg_largeobject_metadata m ON m.oid = d.body"))
                    .isEqualTo(454);
            assertThat(scalar(d, "SELECT count(*) FROM pg_namespace WHERE nspname = '" + Ledger.SCHEMA + "'")).isZero();
        }
    }

    @Test
    void aResumedRunCreatesOnlyTheLargeObjectsAfterItsLedgerMark() throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "blobs_resume");
        String db = src.database();
        try (Connection c = clusters.connect(clusters.flux1(), db)) {
            exec(c, "SELECT lo_from_bytea(0, convert_to(repeat(md5(g::text), g), 'UTF8')) FROM generate_series(1, 500) g");
        }
        CopySpec first = CopyFixture.with(CopyFixture.spec(clusters, db, work), 2, 1L << 30, true, false, true);
        new CopyJob(first, clusters.flux1().connections()).run();

        // The state a crash inside the large objects step leaves: the transactions up to some oid
        // committed with their mark, nothing after it.
        long mark;
        try (Connection d = clusters.connect(clusters.flux2(), db)) {
            mark = scalar(d, "SELECT oid::bigint FROM pg_largeobject_metadata ORDER BY oid OFFSET 299 LIMIT 1");
            exec(d, "SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE oid > " + mark);
            exec(d, "UPDATE _fastcopy.run SET value = 'through " + mark + "' WHERE key = 'largeobjects'");
        }
        CopySpec resume = CopyFixture.with(first, 2, 1L << 30, false, true, false);
        CopyReport report = new CopyJob(resume, clusters.flux1().connections()).run().get(0);

        // An object created twice would have failed the run ("large object ... already exists").
        assertThat(report.resumed()).isTrue();
        String digests = "SELECT oid::text || ' ' || md5(lo_get(oid)) FROM pg_largeobject_metadata ORDER BY oid";
        try (Connection s = clusters.connect(clusters.flux1(), db); Connection d = clusters.connect(clusters.flux2(), db)) {
            assertThat(column(d, digests)).hasSize(500).isEqualTo(column(s, digests));
        }
    }

    /**
     * Polls the cluster until a fastcopy COPY of {@code table} is running, terminates its backend
     * and returns the pid; 0 if {@code stop} is set or the deadline passes first.
     */
    private Integer terminateFirstCopyOf(LocalCluster cluster, String db, String table, AtomicBoolean stop) {
        String sql = """
                SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = ? AND application_name LIKE 'fastcopy-copy-%' AND state = 'active'
                   AND query LIKE 'COPY %' AND query LIKE ? LIMIT 1""";
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        try (Connection c = clusters.connect(cluster, "postgres"); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, db);
            ps.setString(2, "%" + table + "%");
            while (!stop.get() && System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(2)) {
                        return rs.getInt(1);
                    }
                }
                Thread.sleep(10);
            }
            return 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

}
