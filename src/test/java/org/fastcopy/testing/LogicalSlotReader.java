package org.fastcopy.testing;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.follow.decode.PgOutputDecoder;
import org.fastcopy.follow.decode.PgOutputMessage;
import org.postgresql.PGConnection;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationSlotInfo;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A pgoutput (protocol version 1) stream from a fresh logical slot, read through PgJDBC's
 * replication API and decoded by {@link PgOutputDecoder}: what the decoder tests read. The slot is
 * created on open and dropped on close. A read blocks until the server sends something; a
 * watchdog aborts the connection when nothing comes within {@link #READ_TIMEOUT_SECONDS}, so a
 * test waiting for a change that never comes fails instead of hanging.
 *
 * <p>Why not the driver's socketTimeout: with any socketTimeout set, PgJDBC's replication stream
 * breaks at its first status update on an idle stream ("Tried to write to an inactive copy
 * operation", after the 10 s status interval), which a follower waiting for changes must survive.
 */
public final class LogicalSlotReader implements AutoCloseable {
    /** Far longer than any test needs to see its change. */
    private static final int READ_TIMEOUT_SECONDS = 30;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "slot-read-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final Connection connection;
    private final String slot;
    private final Lsn consistentPoint;
    private final PGReplicationStream stream;
    private volatile boolean timedOut;

    private LogicalSlotReader(Connection connection, String slot, Lsn consistentPoint, PGReplicationStream stream) {
        this.connection = connection;
        this.slot = slot;
        this.consistentPoint = consistentPoint;
        this.stream = stream;
    }

    /**
     * Creates the slot {@code slot} in {@code database} on the source and starts streaming the
     * publications {@code publications} (a comma-separated list) from the slot's consistent point.
     *
     * @param slotOptions more pgoutput options, e.g. {@code messages=true}
     */
    public static LogicalSlotReader open(LogicalClusters clusters, String database, String slot, String publications,
                                         Map<String, String> slotOptions) throws SQLException {
        return open(clusters.source(), database, slot, publications, slotOptions);
    }

    /** As {@link #open(LogicalClusters, String, String, String, Map)} on any wal_level=logical cluster. */
    public static LogicalSlotReader open(LocalCluster cluster, String database, String slot, String publications,
                                         Map<String, String> slotOptions) throws SQLException {
        Connection c = LogicalClusters.openReplication(cluster, database, Map.of());
        try {
            PGConnection pg = c.unwrap(PGConnection.class);
            ReplicationSlotInfo info = pg.getReplicationAPI().createReplicationSlot().logical()
                    .withSlotName(slot).withOutputPlugin("pgoutput").make();
            ChainedLogicalStreamBuilder b = pg.getReplicationAPI().replicationStream().logical()
                    .withSlotName(slot).withStartPosition(info.getConsistentPoint())
                    .withSlotOption("proto_version", "1").withSlotOption("publication_names", publications);
            slotOptions.forEach(b::withSlotOption);
            return new LogicalSlotReader(c, slot, Lsn.of(info.getConsistentPoint()), b.start());
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Where the slot's stream starts: changes committed after this point are decoded. */
    public Lsn consistentPoint() {
        return consistentPoint;
    }

    /** The next message, decoded (blocks until the server sends one). */
    public PgOutputMessage next() throws SQLException {
        ScheduledFuture<?> guard = WATCHDOG.schedule(this::abort, READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        try {
            return PgOutputDecoder.decode(stream.read());
        } catch (SQLException e) {
            if (timedOut) {
                throw new AssertionError("slot " + slot + " sent nothing within " + READ_TIMEOUT_SECONDS + " s", e);
            }
            throw e;
        } finally {
            guard.cancel(false);
        }
    }

    /** Closes the socket under a blocked read (Connection.abort takes no lock the read holds). */
    private void abort() {
        timedOut = true;
        try {
            connection.abort(Runnable::run);
        } catch (SQLException e) {
            // the read fails either way once the socket is gone
        }
    }

    /**
     * The messages of the next transaction that changed something, Begin to Commit inclusive.
     * Transactions with nothing published (DDL; servers before 15 send those as Begin, Commit) are
     * skipped.
     */
    public List<PgOutputMessage> nextTransaction() throws SQLException {
        while (true) {
            PgOutputMessage first = next();
            if (!(first instanceof PgOutputMessage.Begin)) {
                throw new AssertionError("expected Begin, got " + first);
            }
            List<PgOutputMessage> txn = new ArrayList<>();
            txn.add(first);
            PgOutputMessage m;
            do {
                m = next();
                txn.add(m);
            } while (!(m instanceof PgOutputMessage.Commit));
            if (txn.size() > 2) {
                return txn;
            }
        }
    }

    /** Tells the server everything up to {@code lsn} is applied and flushed, so the slot may move on. */
    public void confirm(Lsn lsn) throws SQLException {
        stream.setAppliedLSN(lsn.toPgJdbc());
        stream.setFlushedLSN(lsn.toPgJdbc());
        stream.forceUpdateStatus();
    }

    /**
     * Stops the stream and drops the slot. After a timeout the connection is gone and the slot
     * stays; LogicalClusters drops such leftovers at the next start.
     */
    @Override
    public void close() throws SQLException {
        if (timedOut) {
            connection.close();
            return;
        }
        try {
            stream.close();
            connection.unwrap(PGConnection.class).getReplicationAPI().dropReplicationSlot(slot);
        } finally {
            connection.close();
        }
    }
}
