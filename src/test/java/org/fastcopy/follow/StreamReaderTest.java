package org.fastcopy.follow;

import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.follow.decode.PgOutputMessage;
import org.fastcopy.follow.decode.PgOutputMessage.Begin;
import org.fastcopy.follow.decode.PgOutputMessage.Commit;
import org.fastcopy.follow.decode.PgOutputMessage.Insert;
import org.fastcopy.follow.decode.PgOutputMessage.Relation;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.testing.LogicalSlotReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The follower's reader: the slot's stream read and decoded on a thread of its own, ahead of the
 * apply, through a bounded ring. Against a real slot on the logical source cluster.
 */
class StreamReaderTest {
    private static final String PUBLICATION = "reader_test";
    /** Rows of {@link #WIDE} bytes: together three times the ring's budget. */
    private static final int ROWS = (int) (3 * StreamReader.BUDGET_BYTES / 100_000);
    private static final int WIDE = 100_000;

    private static LogicalClusters clusters;
    private static String db;

    @BeforeAll
    static void createTable() throws SQLException {
        clusters = LogicalClusters.get();
        db = clusters.createDatabase(clusters.source(), "stream_reader").database();
        try (Connection c = clusters.connect(clusters.source(), db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE wide (id int PRIMARY KEY, v text NOT NULL)");
            st.execute("CREATE PUBLICATION " + PUBLICATION + " FOR TABLE wide");
        }
    }

    @Test
    void readsAheadNoFurtherThanItsBudgetAndHandsOverEveryMessageInOrder() throws Exception {
        String name = clusters.newName("reader_budget");
        try (LogicalSlotReader slot = LogicalSlotReader.open(clusters, db, name, PUBLICATION, Map.of());
             Connection probe = clusters.connect(clusters.source(), db)) {
            try (Connection c = clusters.connect(clusters.source(), db); Statement st = c.createStatement()) {
                st.execute("INSERT INTO wide SELECT g, repeat(md5(g::text), " + WIDE / 32 + ") FROM generate_series(1, " + ROWS + ") g");
            }
            AtomicReference<Lsn> confirmed = new AtomicReference<>();
            StreamReader reader = StreamReader.start(slot.stream(), (commit, next) -> confirmed.set(next), "test-reader");
            try {
                List<PgOutputMessage> got = new ArrayList<>();
                List<Long> waitingWhenFull = new ArrayList<>();
                drain(reader, m -> {
                    if (got.isEmpty()) {
                        // hold the apply back until the reader has filled its budget and waits for room
                        await("the reader to wait for room in the ring", () -> reader.fullWaits() > 0);
                        waitingWhenFull.add(reader.waitingBytes());
                    }
                    got.add(m);
                }, () -> !got.isEmpty() && got.get(got.size() - 1) instanceof Commit);

                assertThat(waitingWhenFull.get(0)).as("payload decoded ahead of the apply")
                        .isLessThanOrEqualTo(StreamReader.BUDGET_BYTES + 2 * WIDE)
                        .isGreaterThan(StreamReader.BUDGET_BYTES - 2 * WIDE);
                assertThat(got.get(0)).isInstanceOf(Begin.class);
                assertThat(got.get(1)).isInstanceOf(Relation.class);
                List<String> ids = got.subList(2, got.size() - 1).stream()
                        .map(m -> ((Insert) m).newTuple().text(0)).toList();
                assertThat(ids).as("every row, in order").hasSize(ROWS)
                        .isEqualTo(java.util.stream.IntStream.rangeClosed(1, ROWS).mapToObj(Integer::toString).toList());

                Commit commit = (Commit) got.get(got.size() - 1);
                reader.confirm(commit.commitLsn(), commit.endLsn());
                await("the reader to confirm the commit", () -> commit.endLsn().equals(confirmed.get()));
                await("the slot to move to the commit's end", () -> commit.endLsn().equals(confirmedFlush(probe, name)));
            } finally {
                reader.close();
            }
        }
    }

    @Test
    void aBrokenStreamFailsTheApplyAfterTheMessagesReadBeforeIt() throws Exception {
        String name = clusters.newName("reader_broken");
        LogicalSlotReader slot = LogicalSlotReader.open(clusters, db, name, PUBLICATION, Map.of());
        try {
            try (Connection c = clusters.connect(clusters.source(), db); Statement st = c.createStatement()) {
                st.execute("INSERT INTO wide VALUES (-1, 'before the break')");
            }
            StreamReader reader = StreamReader.start(slot.stream(), (commit, next) -> { }, "test-reader");
            try {
                List<PgOutputMessage> got = new ArrayList<>();
                drain(reader, got::add, () -> !got.isEmpty() && got.get(got.size() - 1) instanceof Commit);
                assertThat(got).hasSize(4); // Begin, Relation, Insert, Commit
                try (Connection c = clusters.connect(clusters.source(), db); Statement st = c.createStatement()) {
                    st.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + name + "'");
                }
                assertThatThrownBy(() -> drain(reader, m -> { }, () -> false)).isInstanceOf(SQLException.class);
            } finally {
                reader.close();
            }
        } finally {
            try {
                slot.close();
            } catch (SQLException expected) {
                // its connection is gone: the slot stays, dropped below once the walsender let go of it
            }
            try (Connection replication = clusters.replicationConnection(clusters.source(), db);
                 Statement drop = replication.createStatement()) {
                drop.execute("DROP_REPLICATION_SLOT \"" + name + "\" WAIT");
            }
        }
    }

    private interface Apply {
        void accept(PgOutputMessage m) throws SQLException;
    }

    /** Polls as the follower does until {@code done}; fails after 60 s of nothing. */
    private static void drain(StreamReader reader, Apply apply, BooleanSupplier done) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!done.getAsBoolean()) {
            if (!reader.poll(apply::accept)) {
                assertThat(System.nanoTime() - deadline).as("a message within 60 s").isNegative();
                reader.await(TimeUnit.MILLISECONDS.toNanos(5));
            }
        }
    }

    /** Waits for a condition another thread or the server brings about; fails after 60 s. */
    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for %s", what).isNegative();
            Thread.onSpinWait();
        }
    }

    private static Lsn confirmedFlush(Connection c, String slot) {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            return rs.next() ? Lsn.parse(rs.getString(1)) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
