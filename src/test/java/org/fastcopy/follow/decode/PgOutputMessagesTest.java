package org.fastcopy.follow.decode;

import org.fastcopy.follow.decode.PgOutputMessage.Begin;
import org.fastcopy.follow.decode.PgOutputMessage.Column;
import org.fastcopy.follow.decode.PgOutputMessage.Commit;
import org.fastcopy.follow.decode.PgOutputMessage.Delete;
import org.fastcopy.follow.decode.PgOutputMessage.Insert;
import org.fastcopy.follow.decode.PgOutputMessage.Message;
import org.fastcopy.follow.decode.PgOutputMessage.Origin;
import org.fastcopy.follow.decode.PgOutputMessage.Relation;
import org.fastcopy.follow.decode.PgOutputMessage.ReplicaIdentity;
import org.fastcopy.follow.decode.PgOutputMessage.Truncate;
import org.fastcopy.follow.decode.PgOutputMessage.Type;
import org.fastcopy.follow.decode.PgOutputMessage.Update;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.testing.LogicalSlotReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.util.Sql.ident;

/**
 * Every pgoutput message type, produced by real statements on a wal_level=logical source and
 * read from a real slot through PgJDBC's replication stream. Each test gets its own slot, so a
 * failing test leaves no unread messages behind for the next one.
 */
class PgOutputMessagesTest {
    private static final String PUBLICATION = "decoder_test";
    private static final long INT4 = 23;
    private static final long TEXT = 25;
    private static final long VARCHAR = 1043;

    private static LogicalClusters clusters;
    private static String db;
    private Connection sql;
    private LogicalSlotReader slot;

    @BeforeAll
    static void createTables() throws SQLException {
        clusters = LogicalClusters.get();
        db = clusters.createDatabase(clusters.source(), "pgoutput_messages").database();
        try (Connection c = clusters.connect(clusters.source(), db)) {
            exec(c, "CREATE TABLE item (id int PRIMARY KEY, label varchar(10), note text)");
            exec(c, "CREATE TABLE full_row (id int PRIMARY KEY, label text)");
            exec(c, "ALTER TABLE full_row REPLICA IDENTITY FULL");
            exec(c, "CREATE TABLE parent (id serial PRIMARY KEY)");
            exec(c, "CREATE TABLE child (id serial PRIMARY KEY, parent_id int REFERENCES parent)");
            exec(c, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
            exec(c, "CREATE TABLE feeling (id int PRIMARY KEY, m mood)");
            exec(c, "CREATE TABLE grows (id int PRIMARY KEY)");
            exec(c, "CREATE PUBLICATION " + PUBLICATION + " FOR ALL TABLES");
            exec(c, "SELECT pg_replication_origin_create('upstream_node')");
        }
    }

    @AfterAll
    static void dropOrigin() throws SQLException {
        try (Connection c = clusters.connect(clusters.source(), db)) {
            exec(c, "SELECT pg_replication_origin_drop('upstream_node')");
        }
    }

    @BeforeEach
    void openSlot() throws SQLException {
        sql = clusters.connect(clusters.source(), db);
        slot = LogicalSlotReader.open(clusters, db, clusters.newName("decoder_slot"), PUBLICATION,
                Map.of("messages", "true"));
    }

    @AfterEach
    void dropSlot() throws SQLException {
        try {
            slot.close();
        } finally {
            sql.close();
        }
    }

    @Test
    void anInsertIsBeginRelationInsertCommitWithTheServersLsnsXidAndTime() throws SQLException {
        Lsn before = Lsn.parse(query("SELECT pg_current_wal_lsn()::text"));
        Instant clockBefore = Instant.parse(query("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
        sql.setAutoCommit(false);
        long xid = Long.parseLong(query("SELECT txid_current()"));
        exec(sql, "INSERT INTO item VALUES (1, 'one', NULL)");
        sql.commit();
        sql.setAutoCommit(true);
        Lsn after = Lsn.parse(query("SELECT pg_current_wal_lsn()::text"));

        List<PgOutputMessage> txn = slot.nextTransaction();

        assertThat(types(txn)).isEqualTo("BRIC");
        Begin begin = (Begin) txn.get(0);
        Commit commit = (Commit) txn.get(3);
        assertThat(begin.xid()).isEqualTo(xid);
        assertThat(begin.finalLsn()).isEqualTo(commit.commitLsn());
        assertThat(commit.commitLsn()).isGreaterThan(before).isLessThan(commit.endLsn());
        assertThat(commit.endLsn()).isLessThanOrEqualTo(after);
        assertThat(commit.flags()).isZero();
        assertThat(begin.commitTime()).isEqualTo(commit.commitTime()).isAfterOrEqualTo(clockBefore);

        Relation item = (Relation) txn.get(1);
        assertThat(item.oid()).isEqualTo(oid("item"));
        assertThat(item.namespace()).isEqualTo("public");
        assertThat(item.name()).isEqualTo("item");
        assertThat(item.replicaIdentity()).isEqualTo(ReplicaIdentity.DEFAULT);
        assertThat(item.columns()).containsExactly(
                new Column(1, "id", INT4, -1),
                new Column(0, "label", VARCHAR, 10 + 4), // typmod of varchar(n) is n + VARHDRSZ
                new Column(0, "note", TEXT, -1));

        Insert insert = (Insert) txn.get(2);
        assertThat(insert.relationOid()).isEqualTo(item.oid());
        assertThat(insert.newTuple().values()).containsExactly(
                new TupleData.Text("1"), new TupleData.Text("one"), TupleData.Null.INSTANCE);
    }

    @Test
    void anUpdateSendsTheOldKeyOnlyWhenTheKeyChanges() throws SQLException {
        exec(sql, "INSERT INTO item VALUES (2, 'two', 'n')");
        exec(sql, "UPDATE item SET note = 'same key' WHERE id = 2");
        exec(sql, "UPDATE item SET id = 20, label = 'twenty' WHERE id = 2");

        slot.nextTransaction();
        Update sameKey = (Update) only(slot.nextTransaction(), Update.class);
        Update newKey = (Update) only(slot.nextTransaction(), Update.class);

        assertThat(sameKey.oldKind()).isEqualTo((char) 0);
        assertThat(sameKey.oldOrKey()).isNull();
        assertThat(sameKey.newTuple()).isEqualTo(tuple("2", "two", "same key"));
        assertThat(newKey.oldKind()).isEqualTo('K');
        // The old key tuple has every column; those outside the key are sent as NULL.
        assertThat(newKey.oldOrKey().values()).containsExactly(
                new TupleData.Text("2"), TupleData.Null.INSTANCE, TupleData.Null.INSTANCE);
        assertThat(newKey.newTuple()).isEqualTo(tuple("20", "twenty", "same key"));
        assertThat(newKey.relationOid()).isEqualTo(oid("item"));
    }

    @Test
    void replicaIdentityFullSendsTheWholeOldRowOnUpdateAndDelete() throws SQLException {
        exec(sql, "INSERT INTO full_row VALUES (1, 'before')");
        exec(sql, "UPDATE full_row SET label = 'after' WHERE id = 1");
        exec(sql, "DELETE FROM full_row WHERE id = 1");

        List<PgOutputMessage> insertTxn = slot.nextTransaction();
        Update update = (Update) only(slot.nextTransaction(), Update.class);
        Delete delete = (Delete) only(slot.nextTransaction(), Delete.class);

        assertThat(((Relation) only(insertTxn, Relation.class)).replicaIdentity()).isEqualTo(ReplicaIdentity.FULL);
        assertThat(update.oldKind()).isEqualTo('O');
        assertThat(update.oldOrKey()).isEqualTo(tuple("1", "before"));
        assertThat(update.newTuple()).isEqualTo(tuple("1", "after"));
        assertThat(delete.kind()).isEqualTo('O');
        assertThat(delete.oldOrKey()).isEqualTo(tuple("1", "after"));
    }

    @Test
    void aDeleteSendsTheOldKey() throws SQLException {
        exec(sql, "INSERT INTO item VALUES (3, 'three', 'gone soon')");
        exec(sql, "DELETE FROM item WHERE id = 3");

        slot.nextTransaction();
        Delete delete = (Delete) only(slot.nextTransaction(), Delete.class);

        assertThat(delete.relationOid()).isEqualTo(oid("item"));
        assertThat(delete.kind()).isEqualTo('K');
        assertThat(delete.oldOrKey().values()).containsExactly(
                new TupleData.Text("3"), TupleData.Null.INSTANCE, TupleData.Null.INSTANCE);
    }

    @Test
    void aTruncateNamesEveryTableAndItsOptionsAndTheTablesAreDescribedAgainAfterwards() throws SQLException {
        exec(sql, "INSERT INTO parent DEFAULT VALUES");
        exec(sql, "INSERT INTO child (parent_id) SELECT max(id) FROM parent");
        exec(sql, "TRUNCATE parent RESTART IDENTITY CASCADE");
        exec(sql, "TRUNCATE child");
        exec(sql, "INSERT INTO parent DEFAULT VALUES");

        RelationCache relations = new RelationCache();
        slot.nextTransaction().forEach(relations::accept);
        slot.nextTransaction().forEach(relations::accept);
        Relation parentBefore = relations.require(oid("parent"));
        List<PgOutputMessage> cascade = slot.nextTransaction();
        cascade.forEach(relations::accept);
        Truncate both = (Truncate) only(cascade, Truncate.class);
        Truncate plain = (Truncate) only(slot.nextTransaction(), Truncate.class);
        List<PgOutputMessage> insertAfter = slot.nextTransaction();

        assertThat(both.cascade()).isTrue();
        assertThat(both.restartIdentity()).isTrue();
        assertThat(both.relationOids()).containsExactlyInAnyOrder(oid("parent"), oid("child"));
        assertThat(plain.cascade()).isFalse();
        assertThat(plain.restartIdentity()).isFalse();
        assertThat(plain.relationOids()).containsExactly(oid("child"));
        // TRUNCATE gives the table a new file, which invalidates what the server sent: it
        // describes the table again before the next row, and the cache takes the new message.
        Relation parentAgain = (Relation) only(insertAfter, Relation.class);
        assertThat(relations.accept(parentAgain)).isPresent();
        assertThat(relations.require(oid("parent"))).isSameAs(parentAgain).isEqualTo(parentBefore).isNotSameAs(parentBefore);
    }

    @Test
    void aColumnChangeIsAnnouncedByANewRelationThatReplacesTheCachedOne() throws SQLException {
        exec(sql, "INSERT INTO grows VALUES (1)");
        exec(sql, "ALTER TABLE grows ADD COLUMN extra text DEFAULT 'x'");
        exec(sql, "INSERT INTO grows VALUES (2, 'y')");

        RelationCache relations = new RelationCache();
        slot.nextTransaction().forEach(relations::accept);
        assertThat(relations.require(oid("grows")).columns()).extracting(Column::name).containsExactly("id");
        List<PgOutputMessage> second = slot.nextTransaction();
        second.forEach(relations::accept);

        assertThat(relations.require(oid("grows")).columns()).extracting(Column::name).containsExactly("id", "extra");
        assertThat(((Insert) only(second, Insert.class)).newTuple()).isEqualTo(tuple("2", "y"));
        assertThat(relations.size()).isEqualTo(1);
    }

    @Test
    void aColumnOfAUserDefinedTypeIsPrecededByItsType() throws SQLException {
        exec(sql, "INSERT INTO feeling VALUES (1, 'happy')");

        List<PgOutputMessage> txn = slot.nextTransaction();

        assertThat(types(txn)).isEqualTo("BYRIC");
        Type mood = (Type) txn.get(1);
        assertThat(mood.oid()).isEqualTo(Long.parseLong(query("SELECT 'mood'::regtype::oid")));
        assertThat(mood.namespace()).isEqualTo("public");
        assertThat(mood.name()).isEqualTo("mood");
        assertThat(((Relation) txn.get(2)).columns().get(1).typeOid()).isEqualTo(mood.oid());
        assertThat(((Insert) txn.get(3)).newTuple()).isEqualTo(tuple("1", "happy"));
    }

    @Test
    void aTransactionFromAReplicationOriginCarriesItsNameAndRemoteLsn() throws SQLException {
        exec(sql, "SELECT pg_replication_origin_session_setup('upstream_node')");
        try {
            sql.setAutoCommit(false);
            exec(sql, "SELECT pg_replication_origin_xact_setup('AB/CDEF0123', now())");
            exec(sql, "INSERT INTO item VALUES (4, 'four', 'from afar')");
            sql.commit();
        } finally {
            sql.setAutoCommit(true);
            exec(sql, "SELECT pg_replication_origin_session_reset()");
        }

        List<PgOutputMessage> txn = slot.nextTransaction();

        assertThat(types(txn)).isEqualTo("BORIC");
        assertThat(txn.get(1)).isEqualTo(new Origin(Lsn.parse("AB/CDEF0123"), "upstream_node"));
    }

    @Test
    void logicalDecodingMessagesArriveInOrOutsideTheirTransaction() throws SQLException {
        sql.setAutoCommit(false);
        exec(sql, "SELECT pg_logical_emit_message(true, 'fastcopy', 'in the transaction')");
        exec(sql, "SELECT pg_logical_emit_message(false, 'fastcopy', convert_to('at once', 'UTF8'))");
        exec(sql, "INSERT INTO item VALUES (5, 'five', NULL)");
        sql.commit();
        sql.setAutoCommit(true);

        Message atOnce = (Message) slot.next(); // not transactional: sent when decoded, before the commit
        List<PgOutputMessage> txn = slot.nextTransaction();

        assertThat(atOnce.transactional()).isFalse();
        assertThat(atOnce.prefix()).isEqualTo("fastcopy");
        assertThat(new String(atOnce.content(), StandardCharsets.UTF_8)).isEqualTo("at once");
        assertThat(types(txn)).isEqualTo("BMRIC");
        Message inside = (Message) txn.get(1);
        assertThat(inside.transactional()).isTrue();
        assertThat(new String(inside.content(), StandardCharsets.UTF_8)).isEqualTo("in the transaction");
        assertThat(inside.lsn()).isLessThan(((Commit) txn.get(4)).commitLsn());
    }

    @Test
    void commitsArriveInCommitOrderEvenWhenTheTransactionsBeganTheOtherWayRound() throws SQLException {
        try (Connection first = clusters.connect(clusters.source(), db)) {
            first.setAutoCommit(false);
            sql.setAutoCommit(false);
            exec(first, "INSERT INTO item VALUES (6, 'began 1st', NULL)");
            exec(sql, "INSERT INTO item VALUES (7, 'began 2nd', NULL)");
            sql.commit();
            first.commit();
            sql.setAutoCommit(true);
        }

        List<PgOutputMessage> a = slot.nextTransaction();
        List<PgOutputMessage> b = slot.nextTransaction();

        assertThat(((Insert) only(a, Insert.class)).newTuple().text(0)).isEqualTo("7");
        assertThat(((Insert) only(b, Insert.class)).newTuple().text(0)).isEqualTo("6");
        Commit commitA = (Commit) a.get(a.size() - 1);
        Commit commitB = (Commit) b.get(b.size() - 1);
        assertThat(commitA.endLsn()).isLessThanOrEqualTo(commitB.commitLsn());
        assertThat(((Begin) b.get(0)).xid()).isLessThan(((Begin) a.get(0)).xid());
    }

    private static TupleData tuple(String... texts) {
        List<TupleData.Value> values = new ArrayList<>();
        Arrays.stream(texts).forEach(t -> values.add(new TupleData.Text(t)));
        return new TupleData(values);
    }

    private static String types(List<PgOutputMessage> txn) {
        StringBuilder sb = new StringBuilder();
        txn.forEach(m -> sb.append(m.type()));
        return sb.toString();
    }

    /** The one message of that class in the transaction. */
    private static PgOutputMessage only(List<PgOutputMessage> txn, Class<? extends PgOutputMessage> type) {
        List<PgOutputMessage> found = txn.stream().filter(type::isInstance).toList();
        assertThat(found).as("%s messages in %s", type.getSimpleName(), txn).hasSize(1);
        return found.get(0);
    }

    private long oid(String table) throws SQLException {
        return Long.parseLong(query("SELECT " + "'" + ident(table) + "'::regclass::oid"));
    }

    private String query(String q) throws SQLException {
        try (Statement st = sql.createStatement(); ResultSet rs = st.executeQuery(q)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void exec(Connection c, String statement) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }
}
