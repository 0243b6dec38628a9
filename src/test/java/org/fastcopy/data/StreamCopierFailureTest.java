package org.fastcopy.data;

import org.fastcopy.FastcopyException;
import org.fastcopy.data.CopyException.Side;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * How a unit fails: one CopyException that names the unit and keeps the server's error, both
 * connections left fit for a ROLLBACK, no writer thread left behind, and a ring that never holds
 * more than its slots.
 */
@ExtendWith(ClusterExtension.class)
class StreamCopierFailureTest {
    /** Far more than the socket buffers between the servers hold, so a mid-stream fault lands mid-stream. */
    private static final int BIG_ROWS = 100_000;
    private static final CopySettings SMALL_RING = new CopySettings(4, 8 * 1024, 4);

    private static TestClusters clusters;
    private static String sourceDb;
    private static String targetDb;

    @BeforeAll
    static void createTables(TestClusters c) throws SQLException {
        clusters = c;
        sourceDb = c.createDatabase(c.flux1(), "data_fail_src").database();
        targetDb = c.createDatabase(c.flux2(), "data_fail_dst").database();
        Pg.run(c, c.flux1(), sourceDb,
                "CREATE TABLE checked (id int, v int)",
                "INSERT INTO checked SELECT g, g FROM generate_series(1, 3000) g",
                "CREATE TABLE mismatch (id int, v text)",
                "INSERT INTO mismatch SELECT g, 'abc' || g FROM generate_series(1, 100) g",
                "CREATE TABLE big (id int, v text)",
                "INSERT INTO big SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, " + BIG_ROWS + ") g",
                "CREATE TABLE slow (id int, v text)",
                "INSERT INTO slow SELECT g, repeat(md5(g::text), 128) FROM generate_series(1, 2000) g",
                "CREATE TABLE only_on_source (id int)");
        Pg.run(c, c.flux2(), targetDb,
                "CREATE TABLE checked (id int, v int CHECK (v < 1500))",
                "CREATE TABLE mismatch (id int, v int)",
                "CREATE TABLE big (id int, v text)",
                // COPY FROM fires row triggers: a sleeping one makes a slow target.
                "CREATE TABLE slow (id int, v text)",
                "CREATE FUNCTION slow_down() RETURNS trigger LANGUAGE plpgsql"
                        + " AS $$BEGIN PERFORM pg_sleep(0.0005); RETURN NEW; END$$",
                "CREATE TRIGGER slow BEFORE INSERT ON slow FOR EACH ROW EXECUTE FUNCTION slow_down()",
                "CREATE TABLE only_on_target (id int)",
                // A target that stops reading: the first row waits far longer than any test.
                "CREATE TABLE stalled (id int, v text)",
                "CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql"
                        + " AS $$BEGIN IF NEW.id = 1 THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END$$",
                "CREATE TRIGGER stall BEFORE INSERT ON stalled FOR EACH ROW EXECUTE FUNCTION stall()");
    }

    @AfterEach
    void noWriterThreadOutlivesACopy() {
        assertThat(Pg.liveWriterThreads()).isEmpty();
    }

    @Test
    void aConstraintViolatedOnTheTargetFailsTheUnitAndLeavesBothConnectionsUsable() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "checked", List.of("id", "v"));
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            CopyException e = catchThrowableOfType(CopyException.class,
                    () -> new StreamCopier(7).copy(unit, src, dst, CopyFormat.BINARY, false));

            assertThat(e.side()).isEqualTo(Side.TARGET);
            assertThat(e.sqlState()).isEqualTo("23514");
            assertThat(e.exitCode()).isEqualTo(FastcopyException.FAILED);
            assertThat(e.getMessage()).doesNotContain("\n")
                    .matches("public\\.checked: target COPY failed after \\d+ rows, \\d+ bytes, ring \\d+/64: "
                            + "new row for relation \"checked\" violates check constraint .*"
                            + "\\(COPY checked, line 1500.*\\) \\(SQLSTATE 23514\\)");
            assertThat(e.getCause()).isInstanceOf(SQLException.class);
            Pg.assertUsableAfterRollback(src);
            Pg.assertUsableAfterRollback(dst);
        }
    }

    @ParameterizedTest
    @EnumSource(CopyFormat.class)
    void aColumnTypeMismatchOnTheTargetFailsTheUnit(CopyFormat format) throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "mismatch", List.of("id", "v"));
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            CopyException e = catchThrowableOfType(CopyException.class,
                    () -> new StreamCopier(7).copy(unit, src, dst, format, false));

            assertThat(e.side()).isEqualTo(Side.TARGET);
            assertThat(e.sqlState()).startsWith("22");
            assertThat(e.getMessage()).startsWith("public.mismatch: target COPY failed");
            Pg.assertUsableAfterRollback(src);
            Pg.assertUsableAfterRollback(dst);
        }
    }

    @Test
    void aSourceCancelledMidStreamAbortsTheTargetCopyCleanly() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "big", List.of("id", "v"));
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb);
             Connection admin = clusters.connect(clusters.flux1(), sourceDb)) {
            long pid = Pg.number(src, "SELECT pg_backend_pid()");
            CopyProgress cancelSource = once(() -> Pg.exec(admin, "SELECT pg_cancel_backend(" + pid + ")"));

            CopyException e = catchThrowableOfType(CopyException.class,
                    () -> new StreamCopier(7, SMALL_RING, cancelSource).copy(unit, src, dst, CopyFormat.BINARY, false));

            assertThat(e.side()).isEqualTo(Side.SOURCE);
            assertThat(e.sqlState()).isEqualTo("57014");
            assertThat(e.rows()).isBetween(1L, (long) BIG_ROWS - 1);
            assertThat(e.getMessage()).startsWith("public.big: source COPY failed after ").contains("ring ");
            Pg.assertUsableAfterRollback(src);
            Pg.assertUsableAfterRollback(dst);
            assertThat(Pg.number(dst, "SELECT count(*) FROM big")).isZero();
        }
    }

    @Test
    void aTargetThatDiesMidStreamStopsTheSourceCopyAndLeavesTheSourceUsable() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "big", List.of("id", "v"));
        Connection dst = Pg.target(clusters, targetDb);
        try (Connection src = Pg.source(clusters, sourceDb);
             Connection admin = clusters.connect(clusters.flux2(), targetDb)) {
            long pid = Pg.number(dst, "SELECT pg_backend_pid()");
            CopyProgress killTarget = once(() -> Pg.exec(admin, "SELECT pg_terminate_backend(" + pid + ")"));

            CopyException e = catchThrowableOfType(CopyException.class,
                    () -> new StreamCopier(7, SMALL_RING, killTarget).copy(unit, src, dst, CopyFormat.TEXT, false));

            assertThat(e.side()).isEqualTo(Side.TARGET);
            assertThat(e.sqlState()).startsWith("08");
            assertThat(e.rows()).as("the source was stopped early").isLessThan(BIG_ROWS);
            Pg.assertUsableAfterRollback(src);
        } finally {
            Pg.closeBroken(dst);
        }
    }

    @Test
    void anInterruptStopsTheCopyBetweenRowsAndStaysRaised() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "big", List.of("id", "v"));
        CopyProgress interrupt = once(() -> Thread.currentThread().interrupt());
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            CopyException e = catchThrowableOfType(CopyException.class,
                    () -> new StreamCopier(7, SMALL_RING, interrupt).copy(unit, src, dst, CopyFormat.BINARY, false));

            assertThat(Thread.interrupted()).as("interrupt flag restored").isTrue();
            assertThat(e.exitCode()).isEqualTo(FastcopyException.INTERRUPTED);
            assertThat(e.side()).isEqualTo(Side.LOCAL);
            Pg.assertUsableAfterRollback(src);
            Pg.assertUsableAfterRollback(dst);
        }
    }

    @Test
    void anInterruptFreesAWriterBlockedOnAStalledTargetWithACancelRequest() throws Exception {
        CopyUnit unit = CopyUnit.table("public", "big", List.of("id", "v")).withTarget("public", "stalled");
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread worker = new Thread(() -> {
                try {
                    new StreamCopier(7, SMALL_RING, CopyProgress.NONE).copy(unit, src, dst, CopyFormat.BINARY, false);
                } catch (Throwable e) {
                    thrown.set(e);
                }
            }, "stalled-copy-worker");
            worker.start();
            Thread.sleep(1_500); // socket buffers and ring fill up; the writer blocks sending
            long start = System.nanoTime();
            worker.interrupt();
            worker.join(30_000);

            assertThat(worker.isAlive()).isFalse();
            assertThat((System.nanoTime() - start) / 1e9).as("seconds, not the minute the target sleeps")
                    .isLessThan(15);
            assertThat(thrown.get()).isInstanceOfSatisfying(CopyException.class,
                    e -> assertThat(e.exitCode()).isEqualTo(FastcopyException.INTERRUPTED));
            Pg.assertUsableAfterRollback(src);
            Pg.assertUsableAfterRollback(dst);
        }
    }

    @Test
    void aCopierRefusesASecondConcurrentCopyAndAFailingProgressHookAbortsTheUnit() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "big", List.of("id", "v"));
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb);
             Connection src2 = Pg.source(clusters, sourceDb); Connection dst2 = Pg.target(clusters, targetDb)) {
            StreamCopier[] copier = new StreamCopier[1];
            CopyProgress reenter = once(() -> copier[0].copy(unit, src2, dst2, CopyFormat.BINARY, false));
            copier[0] = new StreamCopier(7, SMALL_RING, reenter);

            CopyException e = catchThrowableOfType(CopyException.class,
                    () -> copier[0].copy(unit, src, dst, CopyFormat.BINARY, false));

            assertThat(e.side()).isEqualTo(Side.LOCAL);
            assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("one owner");
            Pg.assertUsableAfterRollback(src);
            Pg.assertUsableAfterRollback(dst);
            assertThat(copier[0].copy(CopyUnit.table("public", "checked", List.of("id", "v")).withTarget("public", "big"),
                    src, dst, CopyFormat.TEXT, false).rows()).as("usable again afterwards").isEqualTo(3000);
            dst.rollback();
        }
    }

    @Test
    void aMissingTargetTableFailsBeforeTheSourceIsRead() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "only_on_source", List.of("id"));
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            CopyException e = catchThrowableOfType(CopyException.class,
                    () -> new StreamCopier(7).copy(unit, src, dst, CopyFormat.BINARY, false));

            assertThat(e.getMessage()).startsWith("public.only_on_source: target COPY did not start after 0 rows");
            assertThat(e.sqlState()).isEqualTo("42P01");
            assertThat(Pg.value(src, "SELECT 'source transaction untouched'")).isNotNull();
            Pg.assertUsableAfterRollback(dst);
        }
    }

    @Test
    void aMissingSourceTableCancelsTheStartedTargetCopy() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "only_on_target", List.of("id"));
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            CopyException e = catchThrowableOfType(CopyException.class,
                    () -> new StreamCopier(7).copy(unit, src, dst, CopyFormat.BINARY, false));

            assertThat(e.side()).isEqualTo(Side.SOURCE);
            assertThat(e.getMessage()).startsWith("public.only_on_target: source COPY did not start");
            assertThat(e.sqlState()).isEqualTo("42P01");
            Pg.assertUsableAfterRollback(src);
            Pg.assertUsableAfterRollback(dst);
        }
    }

    @Test
    void freezeOnATableNotCreatedInTheTransactionFailsCleanly() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "checked", List.of("id", "v")).withTarget("public", "big");
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            CopyException e = catchThrowableOfType(CopyException.class,
                    () -> new StreamCopier(7).copy(unit, src, dst, CopyFormat.BINARY, true));

            assertThat(e.side()).isEqualTo(Side.TARGET);
            assertThat(e.sqlState()).isEqualTo("55000");
            Pg.assertUsableAfterRollback(src);
            Pg.assertUsableAfterRollback(dst);
        }
    }

    @Test
    void aSlowTargetFillsTheRingButNeverOverfillsIt() throws SQLException {
        CopyUnit unit = CopyUnit.table("public", "slow", List.of("id", "v"));
        StreamCopier copier = new StreamCopier(7, new CopySettings(8, 4096, 16), CopyProgress.NONE);
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            CopyResult result = copier.copy(unit, src, dst, CopyFormat.BINARY, false);

            assertThat(result.rows()).isEqualTo(2000);
            assertThat(result.maxRingFill()).as("back-pressure reached the reader").isEqualTo(8);
            assertThat(result.ringFullNanos()).isPositive();
            assertThat(Pg.fingerprint(dst, "slow", "id")).isEqualTo(Pg.fingerprint(src, "slow", "id"));
            dst.rollback();
        }
    }

    /** A progress hook that acts once, at its first call, i.e. a few buffers into the stream. */
    private static CopyProgress once(SqlAction action) {
        boolean[] fired = {false};
        return (unit, rows, bytes) -> {
            if (!fired[0]) {
                fired[0] = true;
                try {
                    action.run();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    @FunctionalInterface
    private interface SqlAction {
        void run() throws SQLException;
    }
}
