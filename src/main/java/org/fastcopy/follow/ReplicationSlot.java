package org.fastcopy.follow;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.pg.ServerError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

/**
 * The logical replication slot a following run reads from, created on a replication connection
 * with {@code CREATE_REPLICATION_SLOT ... LOGICAL pgoutput EXPORT_SNAPSHOT}. The server exports,
 * with the slot, a snapshot of exactly the slot's consistent point: every transaction that commits
 * before it is in the snapshot, every one that commits from it on is in the stream. The snapshot
 * can be imported only while this connection stays open and runs no other command, so the copy
 * runs while this object is open and {@link #close()} comes after it.
 */
public final class ReplicationSlot implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicationSlot.class);

    /** Driver settings of a replication connection: walsender commands only go as simple queries. */
    public static final Map<String, String> REPLICATION = Map.of("replication", "database",
            "preferQueryMode", "simple", "assumeMinServerVersion", "10");

    private final Connection replication;
    private final String name;
    private final Lsn consistentPoint;
    private final String snapshotName;

    private ReplicationSlot(Connection replication, String name, Lsn consistentPoint, String snapshotName) {
        this.replication = replication;
        this.name = name;
        this.consistentPoint = consistentPoint;
        this.snapshotName = snapshotName;
    }

    /** Creates the slot and keeps its exporting connection open until {@link #close()}. */
    public static ReplicationSlot create(Connections connections, Endpoint source, String name) {
        Connection c = connections.open(source, "fastcopy-slot", REPLICATION);
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("CREATE_REPLICATION_SLOT " + ident(name) + " LOGICAL pgoutput EXPORT_SNAPSHOT")) {
            rs.next();
            Lsn point = Lsn.parse(rs.getString("consistent_point"));
            String snapshot = rs.getString("snapshot_name");
            log.info("replication slot {} created on {} at {}, snapshot {}", name, source, point, snapshot);
            return new ReplicationSlot(c, name, point, snapshot);
        } catch (SQLException e) {
            close(c);
            throw new FastcopyException(FastcopyException.FAILED, "could not create replication slot " + name + " on "
                    + source + ": " + ServerError.describe(e), e);
        }
    }

    public String name() {
        return name;
    }

    /** Where the stream starts: transactions committing from here on are not in the snapshot. */
    public Lsn consistentPoint() {
        return consistentPoint;
    }

    /** The id the copy's sessions import with SET TRANSACTION SNAPSHOT. */
    public String snapshotName() {
        return snapshotName;
    }

    /** Ends the exported snapshot (the slot itself stays). */
    @Override
    public void close() {
        close(replication);
    }

    /**
     * Drops the slot on an ordinary connection. A slot an active walsender still holds cannot be
     * dropped; the caller closes its stream first.
     *
     * @return whether a slot of that name existed
     */
    public static boolean drop(Connection source, String name) throws SQLException {
        try (Statement st = source.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_catalog.pg_drop_replication_slot(slot_name)"
                     + " FROM pg_catalog.pg_replication_slots WHERE slot_name = " + literal(name))) {
            return rs.next();
        }
    }

    private static void close(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // closing releases the snapshot either way
        }
    }
}
