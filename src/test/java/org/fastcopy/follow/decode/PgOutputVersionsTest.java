package org.fastcopy.follow.decode;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.follow.decode.PgOutputMessage.Delete;
import org.fastcopy.follow.decode.PgOutputMessage.Insert;
import org.fastcopy.follow.decode.PgOutputMessage.Origin;
import org.fastcopy.follow.decode.PgOutputMessage.Relation;
import org.fastcopy.follow.decode.PgOutputMessage.Truncate;
import org.fastcopy.follow.decode.PgOutputMessage.Type;
import org.fastcopy.follow.decode.PgOutputMessage.Update;
import org.fastcopy.testing.LogicalClusters;
import org.fastcopy.testing.LogicalSlotReader;
import org.fastcopy.testing.PgVersions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.util.Sql.ident;

/**
 * The oldest and newest servers the follower is tested on speak the same protocol version 1: one
 * transaction with every row message type, a user-defined type and a replication origin decodes
 * the same on PostgreSQL 12 and 17 (server binaries through Maven, {@link PgVersions}) as on the
 * installed 15, which {@link PgOutputMessagesTest} covers in detail.
 */
class PgOutputVersionsTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {PgVersions.PG12, PgVersions.PG17})
    void everyMessageTypeDecodesTheSame(String version) throws SQLException {
        LocalCluster server = LogicalClusters.get().startSource(version);
        try (Connection c = server.connections().open(server.endpoint("postgres"), "fastcopy-test")) {
            String db = LogicalClusters.get().newName("versions");
            exec(c, "CREATE DATABASE " + ident(db) + " TEMPLATE template0 ENCODING 'UTF8'");
            try (Connection sql = server.connections().open(server.endpoint(db), "fastcopy-test")) {
                exec(sql, "CREATE TYPE mood AS ENUM ('sad', 'happy')");
                exec(sql, "CREATE TABLE item (id int PRIMARY KEY, m mood, note text)");
                exec(sql, "CREATE TABLE full_row (id int PRIMARY KEY, v text)");
                exec(sql, "ALTER TABLE full_row REPLICA IDENTITY FULL");
                exec(sql, "CREATE PUBLICATION p FOR ALL TABLES");
                exec(sql, "SELECT pg_replication_origin_create('elsewhere')");
                try (LogicalSlotReader slot = LogicalSlotReader.open(server, db, LogicalClusters.get().newName("versions_slot"), "p", Map.of())) {
                    exec(sql, "SELECT pg_replication_origin_session_setup('elsewhere')");
                    sql.setAutoCommit(false);
                    exec(sql, "SELECT pg_replication_origin_xact_setup('1/2', now())");
                    exec(sql, "INSERT INTO item VALUES (1, 'sad', 'grüße'), (2, NULL, NULL)");
                    exec(sql, "INSERT INTO full_row VALUES (1, 'x')");
                    exec(sql, "UPDATE item SET id = 3, m = 'happy' WHERE id = 1");
                    exec(sql, "UPDATE full_row SET v = 'y'");
                    exec(sql, "DELETE FROM item WHERE id = 2");
                    exec(sql, "TRUNCATE full_row RESTART IDENTITY");
                    sql.commit();
                    sql.setAutoCommit(true);

                    List<PgOutputMessage> txn = slot.nextTransaction();

                    assertThat(txn.stream().map(m -> String.valueOf(m.type())).collect(Collectors.joining()))
                            .isEqualTo("BOYRIIRIUUDRTC"); // full_row is described again before its TRUNCATE
                    assertThat(txn.get(1)).isEqualTo(new Origin(Lsn.parse("1/2"), "elsewhere"));
                    assertThat(((Type) txn.get(2)).name()).isEqualTo("mood");
                    assertThat(((Relation) txn.get(3)).columns()).extracting(PgOutputMessage.Column::isKey)
                            .containsExactly(true, false, false);
                    assertThat(((Insert) txn.get(4)).newTuple().text(2)).isEqualTo("grüße");
                    assertThat(((Insert) txn.get(5)).newTuple().get(1)).isEqualTo(TupleData.Null.INSTANCE);
                    Update newKey = (Update) txn.get(8);
                    assertThat(newKey.oldKind()).isEqualTo('K');
                    assertThat(newKey.oldOrKey().text(0)).isEqualTo("1");
                    assertThat(newKey.newTuple().text(1)).isEqualTo("happy");
                    Update full = (Update) txn.get(9);
                    assertThat(full.oldKind()).isEqualTo('O');
                    assertThat(full.oldOrKey().text(1)).isEqualTo("x");
                    assertThat(((Delete) txn.get(10)).kind()).isEqualTo('K');
                    Truncate truncate = (Truncate) txn.get(12);
                    assertThat(truncate.restartIdentity()).isTrue();
                    assertThat(truncate.relationOids()).containsExactly(((Relation) txn.get(6)).oid());
                    assertThat(txn.get(11)).isEqualTo(txn.get(6));
                } finally {
                    sql.setAutoCommit(true);
                    exec(sql, "SELECT pg_replication_origin_session_reset()");
                    exec(sql, "SELECT pg_replication_origin_drop('elsewhere')");
                }
            }
        } finally {
            server.stop();
        }
    }

    private static void exec(Connection c, String statement) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }
}
