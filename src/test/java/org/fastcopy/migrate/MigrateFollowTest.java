package org.fastcopy.migrate;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.convert.ConvertListener;
import org.fastcopy.generate.GenerateSpec;
import org.fastcopy.generate.MttV3Generator;
import org.fastcopy.generate.YearSpan;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.testing.LogicalClusters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.util.Sql.ident;

/**
 * A plan with {@code follow = yes}, phases 1 and 2, on a wal_level=logical flux1 and a flux2 (the
 * logical cluster pair), while a writer submits MTT results to flux1 as clients do (through the
 * test_run parent's rules, in transactions of 1 to 20 rows, with updates) and writes to its flat
 * database: the copies follow flux1 in the background between the phases, phase 2 stops writes on
 * flux1, cuts each follower over and only then repoints the service; flux2 then holds every table
 * of both databases exactly as flux1 has it (count and md5 of the ordered rows), so every
 * transaction the writer got a COMMIT for is there, and no slot is left on flux1.
 *
 * <p>Opt-in ({@code -Dfastcopy.migrate.follow=true}): generating and converting an MTT v3 on the
 * wal_level=logical cluster and copying both databases four times took about 3.5 min on 2 shared cores,
 * well over what the default suite can add. The default suite keeps the prerequisite check
 * (FollowPrerequisitesTest) and the dry run of a following plan (MigrateTest).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIfSystemProperty(named = "fastcopy.migrate.follow", matches = "true")
class MigrateFollowTest {
    private static LogicalClusters lc;
    private static String v3;
    private static String flat;

    @TempDir
    Path dir;

    @BeforeAll
    static void mttDatabasesOnFlux1() {
        long t0 = System.nanoTime();
        lc = LogicalClusters.get();
        System.out.printf("logical clusters up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        LocalCluster flux1 = lc.source();
        v3 = lc.newName("migrate_follow_v3");
        flat = lc.newName("migrate_follow_flat");
        new MttV3Generator(flux1.connections(), flux1.endpoint("postgres")).generate(GenerateSpec.defaults(v3)
                .withScale(0.0005).withSeed(11).withYears(new YearSpan(2015, 2015)).withDangling(0.01));
        MigrateTest.keepTwoMonths(flux1, v3);
        System.out.printf("v3 generated in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        FlatConversion.convert(flux1.endpoint(null), v3, flat, 2, Path.of("target", "migrate-follow-work"),
                flux1.connections(), ConvertListener.NONE);
        System.out.printf("flat converted in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        // The one-time step the prerequisite line names: the empty parent of the result tables
        // has no key (docs/migrate.md, "Following").
        for (String db : List.of(v3, flat)) {
            exec(flux1, db, "ALTER TABLE public.results_fields REPLICA IDENTITY FULL");
        }
    }

    @AfterAll
    static void dropThem() {
        for (LocalCluster c : List.of(lc.source(), lc.target())) {
            for (String db : List.of(v3, flat)) {
                exec(c, "postgres", "DROP DATABASE IF EXISTS " + ident(db));
            }
        }
    }

    @Test
    @Order(1)
    void theCopiesFollowFlux1UntilPhase2CutsThemOverAndOnlyThenTheServiceMoves() throws Exception {
        Path conf = dir.resolve("mtt.conf");
        Files.writeString(conf, "[mttflat]\ndbname: " + flat + "\nserver: 127.0.0.1\nport: " + lc.source().port() + "\n");
        MigratePlan plan = plan(conf);
        Writer writer = new Writer();
        writer.start();
        writer.committed(3);

        AtomicReference<String> portWhenFollowing = new AtomicReference<>();
        MigrateListener watch = new MigrateListener() {
            @Override
            public void phaseStarted(Phase phase) {
                if (phase == Phase.REPOINT_TO_FLUX2) {
                    // phase 1 is done and the followers stream: more submissions arrive meanwhile
                    writer.committed(writer.transactions.get() + 5);
                    portWhenFollowing.set(ServiceConf.read(conf, "mttflat").value("port"));
                }
            }
        };
        StringWriter out = new StringWriter();
        try {
            new MigrateJob(plan, lc.source().connections(), watch, new SimpleMeterRegistry(), CopyMetrics.Factory.NONE,
                    new PrintWriter(out, true)).run(Phase.select("1,2", null), false);
        } finally {
            writer.stop();
        }
        System.out.println(out);

        assertThat(writer.failure.get()).as("the writer's first failure: its session ended by the freeze")
                .isInstanceOf(SQLException.class);
        assertThat(portWhenFollowing.get()).as("the service while the copies follow").isEqualTo(String.valueOf(lc.source().port()));
        assertThat(ServiceConf.read(conf, "mttflat").value("port")).isEqualTo(String.valueOf(lc.target().port()));
        for (String db : List.of(v3, flat)) {
            assertThat(contents(lc.target(), db)).as("%s on flux2, table by table", db).isEqualTo(contents(lc.source(), db));
            assertThat(text(lc.source(), db, "SHOW default_transaction_read_only")).as("%s on flux1", db).isEqualTo("on");
        }
        assertThat(contents(lc.target(), v3).get("public.test_run")).doesNotStartWith("0 ");
        assertThat(text(lc.source(), "postgres", "SELECT count(*) FROM pg_replication_slots")).as("slots left on flux1")
                .isEqualTo("0");
        PhaseLedger ledger = PhaseLedger.load(plan.stateDir());
        assertThat(ledger.entry(Phase.REPOINT_TO_FLUX2).details).containsKeys(v3 + "_cutover_lsn", flat + "_cutover_lsn");
        assertThat(out.toString()).contains(v3 + " copied to flux2 and followed from flux1's LSN",
                v3 + " cut over at flux1's LSN", "no replication slot remains");
        assertThat(out.toString().indexOf(flat + " cut over")).as("cutover before the repoint")
                .isLessThan(out.toString().indexOf("phase 2 repoint-to-flux2: done"));
    }

    /**
     * An invocation that runs phase 1 only ends with its followers stopped and their slots kept;
     * what flux1 commits meanwhile waits in the slots; phase 2 of the resumed run resumes each
     * follower from flux2's ledger, cuts it over and repoints: flux2 exact again.
     */
    @Test
    @Order(2)
    void phase2OfALaterInvocationResumesTheFollowersFromTheirSlotsAndCutsOver() throws Exception {
        for (String db : List.of(v3, flat)) {
            exec(lc.source(), "postgres", "ALTER DATABASE " + ident(db) + " RESET default_transaction_read_only");
        }
        Path conf = dir.resolve("mtt.conf");
        Files.writeString(conf, "[mttflat]\ndbname: " + flat + "\nserver: 127.0.0.1\nport: " + lc.source().port() + "\n");
        MigratePlan plan = plan(conf);
        StringWriter first = new StringWriter();
        new MigrateJob(plan, lc.source().connections(), MigrateListener.NONE, new SimpleMeterRegistry(),
                CopyMetrics.Factory.NONE, new PrintWriter(first, true)).run(Phase.select("1", null), false);
        System.out.println(first);
        assertThat(first.toString()).contains("replication slot " + Followers.slot(v3) + " remains");

        Writer writer = new Writer();
        writer.start();
        writer.committed(10);
        StringWriter resumed = new StringWriter();
        try {
            new MigrateJob(plan, lc.source().connections(), MigrateListener.NONE, new SimpleMeterRegistry(),
                    CopyMetrics.Factory.NONE, new PrintWriter(resumed, true)).run(Phase.select("1,2", null), true);
        } finally {
            writer.stop();
        }
        System.out.println(resumed);

        assertThat(resumed.toString()).contains("phase 1 copy-to-flux2: already done", "resuming the follower of " + v3,
                flat + " cut over at flux1's LSN");
        assertThat(writer.failure.get()).as("the writer, ended by the freeze").isInstanceOf(SQLException.class);
        for (String db : List.of(v3, flat)) {
            assertThat(contents(lc.target(), db)).as("%s on flux2, table by table", db).isEqualTo(contents(lc.source(), db));
        }
        assertThat(text(lc.source(), "postgres", "SELECT count(*) FROM pg_replication_slots")).isEqualTo("0");
        assertThat(ServiceConf.read(conf, "mttflat").value("port")).isEqualTo(String.valueOf(lc.target().port()));
    }

    /**
     * {@code end = follow}: phase 8 leaves flux1's flat following flux1's v3 ({@code convert --follow})
     * and current, instead of a watermark: results submitted to v3 before it ran are in flat when it
     * ends, and the slot stays for the {@code convert --follow} that keeps flat current.
     */
    @Test
    @Order(3)
    void aPlanEndingInFollowLeavesFlatCurrentAndItsSlotForConvertFollow() throws Exception {
        for (String db : List.of(v3, flat)) {
            exec(lc.source(), "postgres", "ALTER DATABASE " + ident(db) + " RESET default_transaction_read_only");
        }
        long before = Long.parseLong(text(lc.source(), flat, "SELECT count(*) FROM test_run"));
        String columns;
        try (Connection c = lc.connect(lc.source(), v3)) {
            columns = Writer.columns(c, "test_run");
        }
        // newer than flat's watermark, as results submitted after the conversion are
        exec(lc.source(), v3, "INSERT INTO test_run (" + columns + ") SELECT " + columns.replace("\"start_timestamp\"",
                "start_timestamp + interval '1 hour'") + " FROM test_run WHERE start_timestamp = (SELECT max(start_timestamp) "
                + "FROM test_run) LIMIT 1");
        exec(lc.source(), v3, "INSERT INTO test_run (" + columns + ") SELECT " + columns.replace("\"start_timestamp\"",
                "start_timestamp + interval '1 hour'") + " FROM test_run WHERE start_timestamp = (SELECT max(start_timestamp) "
                + "FROM test_run) LIMIT 1");
        Path conf = dir.resolve("mtt.conf");
        Files.writeString(conf, "[mttflat]\ndbname: " + flat + "\nserver: 127.0.0.1\nport: " + lc.source().port() + "\n");
        Path file = dir.resolve("migrate.conf");
        writePlan(file, conf, "end = follow\n");
        MigratePlan plan = PlanParser.parse(file, PlanParserTest::resolver);
        StringWriter out = new StringWriter();
        try {
            new MigrateJob(plan, lc.source().connections(), MigrateListener.NONE, new SimpleMeterRegistry(),
                    CopyMetrics.Factory.NONE, new PrintWriter(out, true)).run(Phase.select("8", null), false);
            System.out.println(out);

            assertThat(Long.parseLong(text(lc.source(), flat, "SELECT count(*) FROM test_run"))).as("flat's test_run")
                    .isEqualTo(before + 2);
            assertThat(text(lc.source(), flat, "SELECT max(start_timestamp)::text FROM test_run"))
                    .isEqualTo(text(lc.source(), v3, "SELECT max(start_timestamp)::text FROM test_run"));
            assertThat(text(lc.source(), v3, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                    + FlatConversion.FOLLOW_SLOT + "'")).as("the slot kept for convert --follow").isEqualTo("1");
            assertThat(PhaseLedger.load(plan.stateDir()).entry(Phase.WATERMARK).details)
                    .containsKeys("flat_current_up_to").doesNotContainKey("mpi_install_max_start_timestamp");
            assertThat(out.toString()).contains("keep it current with: fastcopy convert --src", "--flat-db " + flat + " --follow");
        } finally {
            exec(lc.source(), v3, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                    + FlatConversion.FOLLOW_SLOT + "'");
            exec(lc.source(), v3, "DROP PUBLICATION IF EXISTS " + FlatConversion.FOLLOW_SLOT);
        }
    }

    // ---- fixtures --------------------------------------------------------------------------

    private MigratePlan plan(Path conf) throws Exception {
        Path file = dir.resolve("migrate.conf");
        writePlan(file, conf, "follow = yes\n");
        return PlanParser.parse(file, PlanParserTest::resolver);
    }

    private void writePlan(Path file, Path conf, String runKeys) throws Exception {
        Files.writeString(file, "[servers]\n"
                // phases 1 and 2 never reach production
                + "production = host=127.0.0.1 port=1 user=postgres\n"
                + "flux1 = " + conninfo(lc.source()) + "\n"
                + "flux2 = " + conninfo(lc.target()) + "\n"
                + "[databases]\nv3 = " + v3 + "\nflat = " + flat + "\n"
                + "[service]\nconf = " + conf + "\nsection = mttflat\nhost-key = server\nport-key = port\n"
                + "[run]\nstate-dir = state\ncopy-jobs = 2\nconvert-jobs = 2\n" + runKeys);
    }

    /**
     * Submits results to flux1 until its session fails (the freeze ends it) or it is stopped: in v3
     * a copy of a random test_run row through the parent (its rule routes it to the week's child)
     * and an update of another, in flat an inserted test_run row; one transaction each.
     */
    private static final class Writer implements Runnable {
        final AtomicLong transactions = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Random random = new Random(5);
        private final Thread thread = new Thread(this, "migrate-follow-writer");
        private volatile CountDownLatch waiting = new CountDownLatch(0);
        private volatile long waitFor;

        void start() {
            thread.start();
        }

        /** Waits until {@code n} transactions have committed (or the writer failed). */
        void committed(long n) {
            CountDownLatch latch = new CountDownLatch(1);
            waitFor = n;
            waiting = latch;
            if (transactions.get() >= n || failure.get() != null) {
                return;
            }
            try {
                assertThat(latch.await(60, TimeUnit.SECONDS)).as("the writer reached %d transactions", n).isTrue();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void run() {
            try (Connection c3 = lc.connect(lc.source(), v3); Connection cf = lc.connect(lc.source(), flat)) {
                String v3Columns = columns(c3, "test_run");
                String flatColumns = columns(cf, "test_run");
                c3.setAutoCommit(false);
                cf.setAutoCommit(false);
                while (!stop.get()) {
                    try (Statement st = c3.createStatement()) {
                        int rows = 1 + random.nextInt(20);
                        st.execute("INSERT INTO test_run (" + v3Columns + ") SELECT " + v3Columns + " FROM test_run "
                                + "WHERE test_run_id <> 0 ORDER BY random() LIMIT " + rows);
                        st.execute("UPDATE test_run SET exit_value = exit_value + 1 WHERE test_run_id = (SELECT "
                                + "min(test_run_id) FROM test_run WHERE test_run_id > 0)");
                    }
                    c3.commit();
                    try (Statement st = cf.createStatement()) {
                        st.execute("INSERT INTO test_run (" + flatColumns + ") SELECT " + flatColumns + " FROM test_run "
                                + "WHERE test_run_id <> 0 ORDER BY random() LIMIT 2");
                    }
                    cf.commit();
                    if (transactions.incrementAndGet() >= waitFor) {
                        waiting.countDown();
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
                waiting.countDown();
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(60_000);
        }

        /** Every column but the serial key, which the sequence fills. */
        private static String columns(Connection c, String table) throws SQLException {
            List<String> names = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT attname FROM pg_attribute "
                    + "WHERE attrelid = 'public." + table + "'::regclass AND attnum > 0 AND NOT attisdropped "
                    + "AND attname <> '" + table + "_id' ORDER BY attnum")) {
                while (rs.next()) {
                    names.add(ident(rs.getString(1)));
                }
            }
            return String.join(", ", names);
        }
    }

    /** Every user table's row count and md5 of its ordered rows, and every sequence's last value. */
    private static Map<String, String> contents(LocalCluster c, String db) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (Connection conn = lc.connect(c, db); Statement st = conn.createStatement()) {
            List<String> tables = new ArrayList<>();
            List<String> sequences = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT format('%I.%I', n.nspname, c.relname), c.relkind FROM pg_class c "
                    + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'S') "
                    + "AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_fastcopy', '_convert') "
                    + "AND n.nspname NOT LIKE 'pg_toast%'")) {
                while (rs.next()) {
                    (rs.getString(2).equals("r") ? tables : sequences).add(rs.getString(1));
                }
            }
            for (String t : tables) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) || ' rows, md5 ' || coalesce(md5(string_agg(x::text, "
                        + "E'\\n' ORDER BY x::text)), '-') FROM ONLY " + t + " x")) {
                    rs.next();
                    out.put(t, rs.getString(1));
                }
            }
            for (String s : sequences) {
                try (ResultSet rs = st.executeQuery("SELECT last_value FROM " + s)) {
                    rs.next();
                    out.put(s, "sequence at " + rs.getLong(1));
                }
            }
        }
        return out;
    }

    private static String conninfo(LocalCluster c) {
        return "host=127.0.0.1 port=" + c.port() + " user=" + LocalCluster.SUPERUSER + " passfile=" + c.passfile();
    }

    private static String text(LocalCluster c, String db, String sql) throws SQLException {
        try (Connection conn = lc.connect(c, db); Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void exec(LocalCluster c, String db, String sql) {
        try (Connection conn = lc.connect(c, db); Statement st = conn.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
