package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.follow.ReplicationSlot;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.follow.decode.PgOutputDecoder;
import org.fastcopy.follow.decode.PgOutputMessage;
import org.fastcopy.follow.decode.TupleData;
import org.fastcopy.pg.Scalar;
import org.fastcopy.pg.ServerError;
import org.postgresql.PGConnection;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

/**
 * {@code convert --follow}: keeps the flat database current from v3's change stream.
 *
 * <p>The stream only says WHICH result rows changed; the rows themselves are converted by the
 * same code as every conversion ({@link FlatTable#copyOut}, {@link RowTransform},
 * {@link TransformPipe}), set-based, restricted to the ids the decoded messages touched. So a
 * followed row is, field for field, what a full conversion makes of it, and the id mapping is the
 * one the maps of the earlier conversions hold.
 *
 * <p>Invariants (those of {@code follow/Follower}): whole source transactions, in commit order,
 * go into one flat transaction together with the follow position ({@code _convert.follow}); the
 * slot is confirmed only after that commit; on restart a transaction whose commit LSN is before
 * the stored position is skipped. Converting an id is idempotent (an id the flat side already
 * holds is not converted again), so what the catch-up conversion already took is not doubled
 * when the stream brings it again.
 *
 * <p>v3 is read as it is NOW, not as of the streamed transaction: right for inserted rows (they
 * never change afterwards in MTT) and for deletes; an update is converted with the newest
 * values, which a later transaction of the same batch may have set already.
 */
public final class ConvertFollow implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);
    static final String CREATE = """
            CREATE SCHEMA IF NOT EXISTS _convert;
            CREATE TABLE IF NOT EXISTS _convert.follow (slot_name text PRIMARY KEY, publication text NOT NULL,
                next_lsn text NOT NULL, commit_lsn text, transactions bigint NOT NULL DEFAULT 0,
                updated timestamptz NOT NULL DEFAULT clock_timestamp());
            """;
    /** Source transactions per flat transaction at most, when the stream never pauses. */
    private static final int BATCH_TRANSACTIONS = 500;
    /** Touched ids after which the batch converts at the next source COMMIT. */
    private static final int BATCH_IDS = 20_000;
    private static final FlatTable[] ORDER = {FlatTable.SUBMIT, FlatTable.MPI_INSTALL, FlatTable.TEST_BUILD,
            FlatTable.TEST_RUN};

    private static final String TEST_RUN_DANGLING = "submit_id = 0 OR test_build_id = 0 OR mpi_install_id = 0";

    /** What one follow run did. */
    public record Result(long transactions, long skipped, long rows, Lsn next) {
    }

    private final ConvertContext ctx;
    private final Connections connections;
    private final String slot;
    private final String publication;
    private volatile Lsn stopAt;
    /**
     * False only in tests: the slot is never confirmed, as after a crash between the flat commit
     * and the confirmation, so the next follower gets those transactions again and must skip them.
     */
    boolean confirmSlot = true;
    private boolean untilCaughtUp;

    private Connection flat;
    private Connection v3;
    private V3Session v3Session;
    private Connection replication;
    private PGReplicationStream stream;
    private IdMaps maps;

    private final Map<Long, FlatTable> tableOf = new HashMap<>();
    private final Map<Long, Integer> idColumnOf = new HashMap<>();
    private final Map<FlatTable, TreeSet<Long>> touched = new EnumMap<>(FlatTable.class);
    /** test_run ids updated or deleted: their flat rows go before the batch converts them again. */
    private final TreeSet<Long> removed = new TreeSet<>();
    private Lsn next;
    private boolean inTransaction;
    private boolean skipping;
    private int pendingTransactions;
    private Lsn pendingNext;
    private Lsn pendingCommit;
    private long transactions;
    private long skipped;
    private long rows;

    public ConvertFollow(ConvertSpec spec, Connections connections, String slot, String publication) {
        this.ctx = new ConvertContext(spec, connections, ConvertListener.NONE, new ConvertMeters(null, spec.flatDatabase()));
        this.connections = connections;
        this.slot = slot;
        this.publication = publication;
        for (FlatTable t : ORDER) {
            touched.put(t, new TreeSet<>());
        }
    }

    /**
     * Stop once everything committed on v3 before {@code lsn} is in flat (the {@code --until-caught-up}
     * request; callable from another thread).
     */
    public void stopAt(Lsn lsn) {
        this.stopAt = lsn;
    }

    /** {@code --until-caught-up}: stop at v3's WAL position when following starts. */
    public void untilCaughtUp(boolean on) {
        this.untilCaughtUp = on;
    }

    /**
     * Starts following unless the flat database follows this slot already: the publication of the
     * four result tables (with their weekly children) and the slot on v3, then an incremental
     * conversion of what committed before the slot, then the slot's consistent point as the follow
     * position. A conversion after the slot takes rows the stream brings too: they are skipped as
     * already converted.
     *
     * @return whether it started (false: resumed)
     */
    public boolean prepare() {
        try (Connection f = ctx.openFlat(); Connection src = ctx.openV3()) {
            try (Statement st = f.createStatement()) {
                st.execute(ConvertLedger.CREATE);
                st.execute(CREATE);
            }
            if (followPosition(f) != null) {
                return false;
            }
            if (!"logical".equals(Scalar.text(src, "SHOW wal_level"))) {
                throw new FastcopyException(FastcopyException.USAGE, "convert --follow: wal_level on " + ctx.v3Endpoint
                        + " is " + Scalar.text(src, "SHOW wal_level") + ", not logical: set wal_level = logical and restart");
            }
            if (!Scalar.bool(src, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = ?)", publication)) {
                try (Statement st = src.createStatement()) {
                    // Without ONLY a table's inheritance children are published too: the weekly children
                    // the parents' rules insert into.
                    st.execute("CREATE PUBLICATION " + ident(publication) + " FOR TABLE public.submit, public.mpi_install, "
                            + "public.test_build, public.test_run");
                }
            }
            Lsn point;
            try (ReplicationSlot s = ReplicationSlot.create(connections, ctx.v3Endpoint, slot)) {
                point = s.consistentPoint();
            }
            ConvertSpec sp = ctx.spec;
            new ConvertJob(new ConvertSpec(sp.source(), sp.target(), sp.v3Database(), sp.flatDatabase(), null, sp.jobs(),
                    sp.rangesPerJob(), false, true, VerifyOptions.OFF, sp.workDir(), sp.toastCompression()),
                    connections, ConvertListener.NONE).run();
            try (Statement st = f.createStatement()) {
                // Streamed test_run updates and deletes find their flat rows by the v3 id.
                st.execute("CREATE INDEX IF NOT EXISTS test_run_old_test_run_id_idx ON test_run (old_test_run_id)");
                // Rows holding a sentinel reference: looked at again whenever new base rows arrive.
                st.execute("CREATE INDEX IF NOT EXISTS test_run_dangling_idx ON test_run (old_test_run_id) WHERE "
                        + TEST_RUN_DANGLING);
            }
            try (PreparedStatement ps = f.prepareStatement(
                    "INSERT INTO _convert.follow (slot_name, publication, next_lsn) VALUES (?, ?, ?)")) {
                ps.setString(1, slot);
                ps.setString(2, publication);
                ps.setString(3, point.toString());
                ps.execute();
            }
            log.info("convert --follow: slot {} from {} (publication {})", slot, point, publication);
            return true;
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "convert --follow: could not start following "
                    + ctx.v3Endpoint + ": " + ServerError.describe(e), e);
        }
    }

    private Lsn followPosition(Connection f) throws SQLException {
        try (PreparedStatement ps = f.prepareStatement("SELECT next_lsn FROM _convert.follow WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Lsn.parse(rs.getString(1)) : null;
            }
        }
    }

    /** Follows until {@link #stopAt} is reached (forever without one). */
    public Result run() {
        try {
            open();
            loop();
            log.info("convert --follow: stopped at {}: {} v3 transaction(s) followed, {} flat row(s), {} skipped",
                    next, transactions, rows, skipped);
            return new Result(transactions, skipped, rows, next);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "convert --follow " + ctx.v3Endpoint + " -> "
                    + ctx.flatEndpoint + " stopped: " + ServerError.describe(e)
                    + "; flat holds every transaction up to its follow position", e);
        }
    }

    private void open() throws SQLException {
        flat = ctx.openFlat();
        ctx.lock(flat);
        next = followPosition(flat);
        if (next == null) {
            throw new FastcopyException(FastcopyException.FAILED, ctx.spec.flatDatabase() + " does not follow slot " + slot
                    + ": start with convert --follow (without --resume)");
        }
        flat.setAutoCommit(false);
        maps = IdMaps.load(flat);
        v3 = ctx.openV3();
        v3Session = new V3Session(v3, null);
        Map<String, String> settings = new HashMap<>(ReplicationSlot.REPLICATION);
        settings.put("options", PgOutputDecoder.SESSION_OPTIONS);
        replication = connections.open(ctx.v3Endpoint, "fastcopy-convert-follow", settings);
        stream = replication.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                .withSlotName(slot)
                .withStartPosition(Lsn.INVALID.toPgJdbc())
                .withSlotOption("proto_version", 1)
                .withSlotOption("publication_names", publication)
                .withStatusInterval(10, TimeUnit.SECONDS)
                // Never confirm what was merely received: only what flat committed.
                .withAutomaticFlush(false)
                .start();
        if (untilCaughtUp) {
            stopAt = Lsn.parse(Scalar.text(v3, "SELECT pg_catalog.pg_current_wal_lsn()::text"));
            v3.commit();
        }
        log.info("convert --follow: following slot {} from {}{}", slot, next, stopAt == null ? "" : " until " + stopAt);
    }

    private void loop() throws SQLException {
        while (true) {
            ByteBuffer buf = inTransaction ? stream.read() : stream.readPending();
            if (buf != null) {
                handle(PgOutputDecoder.decode(buf));
                continue;
            }
            commit();
            Lsn until = stopAt;
            if (until != null && (!next.isBefore(until) || !Lsn.of(stream.getLastReceiveLSN()).isBefore(until))) {
                return;
            }
            if (until != null) {
                stream.forceUpdateStatus(); // an idle walsender answers with a keepalive of where it is
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FastcopyException(FastcopyException.INTERRUPTED, "convert --follow interrupted; flat holds "
                        + "every transaction up to " + next);
            }
        }
    }

    private void handle(PgOutputMessage m) throws SQLException {
        if (m instanceof PgOutputMessage.Begin b) {
            inTransaction = true;
            Lsn from = pendingNext != null && pendingNext.isAfter(next) ? pendingNext : next;
            skipping = b.finalLsn().isBefore(from);
        } else if (m instanceof PgOutputMessage.Relation r) {
            relation(r);
        } else if (m instanceof PgOutputMessage.Commit c) {
            inTransaction = false;
            if (skipping) {
                skipped++;
                return;
            }
            pendingTransactions++;
            pendingNext = c.endLsn();
            pendingCommit = c.commitLsn();
            int ids = touched.values().stream().mapToInt(TreeSet::size).sum() + removed.size();
            if (pendingTransactions >= BATCH_TRANSACTIONS || ids >= BATCH_IDS) {
                commit();
            }
        } else if (skipping) {
            return;
        } else if (m instanceof PgOutputMessage.Insert i) {
            id(i.relationOid(), i.newTuple()).ifPresent(x -> touched.get(tableOf.get(i.relationOid())).add(x));
        } else if (m instanceof PgOutputMessage.Update u) {
            FlatTable t = resultTable(u.relationOid(), "UPDATE");
            if (u.oldOrKey() != null) {
                id(u.relationOid(), u.oldOrKey()).ifPresent(removed::add);
            }
            id(u.relationOid(), u.newTuple()).ifPresent(x -> {
                removed.add(x);
                touched.get(t).add(x);
            });
        } else if (m instanceof PgOutputMessage.Delete d) {
            resultTable(d.relationOid(), "DELETE");
            id(d.relationOid(), d.oldOrKey()).ifPresent(removed::add);
        } else if (m instanceof PgOutputMessage.Truncate) {
            throw new FastcopyException(FastcopyException.FAILED, "convert --follow: a TRUNCATE of a v3 result table is "
                    + "not followed; flat holds every transaction before it (" + next + ")");
        }
    }

    /** Only test_run rows may be updated or deleted so far: their flat rows have no dependants. */
    private FlatTable resultTable(long oid, String what) {
        FlatTable t = tableOf.get(oid);
        if (t != FlatTable.TEST_RUN) {
            throw new FastcopyException(FastcopyException.FAILED, "convert --follow: " + what + " of a v3 " + t.table
                    + " row is not followed yet (only test_run rows); flat holds every transaction before it (" + next + ")");
        }
        return t;
    }

    private java.util.Optional<Long> id(long oid, TupleData tuple) {
        Integer col = idColumnOf.get(oid);
        if (col == null || tuple == null || col >= tuple.size() || tuple.text(col) == null) {
            return java.util.Optional.empty();
        }
        long id = Long.parseLong(tuple.text(col));
        return id == 0 ? java.util.Optional.empty() : java.util.Optional.of(id);
    }

    /** Which result table a streamed relation (a parent or one of its weekly children) belongs to. */
    private void relation(PgOutputMessage.Relation r) throws SQLException {
        String root = Scalar.text(v3, "SELECT coalesce((SELECT p.relname FROM pg_catalog.pg_inherits i JOIN "
                + "pg_catalog.pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = ?::oid LIMIT 1), ?)", r.oid(), r.name());
        v3.commit();
        for (FlatTable t : ORDER) {
            if (t.table.equals(root)) {
                tableOf.put(r.oid(), t);
                for (int i = 0; i < r.columns().size(); i++) {
                    if (r.columns().get(i).name().equals(t.idColumn)) {
                        idColumnOf.put(r.oid(), i);
                    }
                }
                if (!idColumnOf.containsKey(r.oid())) {
                    throw new FastcopyException(FastcopyException.FAILED, "convert --follow: " + r.qualifiedName()
                            + " has no column " + t.idColumn);
                }
                return;
            }
        }
        throw new FastcopyException(FastcopyException.FAILED, "convert --follow: publication " + publication
                + " streams " + r.qualifiedName() + ", which is no v3 result table");
    }

    /**
     * Converts the batch's touched ids, set-based, base tables first (test_run resolves through
     * them), and commits them with the follow position; then confirms exactly that to the slot.
     */
    private void commit() throws SQLException {
        if (pendingTransactions == 0) {
            return;
        }
        if (!removed.isEmpty()) {
            try (PreparedStatement ps = flat.prepareStatement("DELETE FROM test_run WHERE old_test_run_id = ANY (?)")) {
                ps.setArray(1, flat.createArrayOf("bigint", removed.toArray()));
                ps.executeUpdate();
            }
        }
        long batchRows = 0;
        boolean newBase = false;
        for (FlatTable t : ORDER) {
            if (t == FlatTable.TEST_RUN && newBase) {
                resolveLate();
            }
            TreeSet<Long> ids = touched.get(t);
            if (t == FlatTable.TEST_RUN) {
                ids.removeAll(convertedRuns(ids));
            } else {
                LongLongMap map = map(t);
                ids.removeIf(id -> map.get(id, IdMaps.MISSING) != IdMaps.MISSING);
            }
            if (ids.isEmpty()) {
                continue;
            }
            long first = 0;
            long last = -1;
            if (t != FlatTable.TEST_RUN) {
                // A block of ids as large as the touched set: a row deleted since leaves a gap, never a clash.
                String seq = "pg_get_serial_sequence(" + literal(t.table) + ", " + literal(t.idColumn) + ")";
                last = Scalar.longValue(flat, "SELECT setval(" + seq + ", nextval(" + seq + ") + ?)", ids.size() - 1);
                first = last - ids.size() + 1;
            }
            String where = "r." + ident(t.idColumn) + " = ANY ('{" + ids.stream().map(String::valueOf)
                    .collect(Collectors.joining(",")) + "}'::bigint[])";
            RowTransform transform = new RowTransform(t, maps, first, last);
            TransformPipe.Result r = v3Session.inTransaction(c -> TransformPipe.run(c, flat, t.copyOut(where), t.copyIn(),
                    transform, "follow " + t.table));
            batchRows += r.rows();
            newBase |= t != FlatTable.TEST_RUN && r.rows() > 0;
            ctx.meters.committed(t.table, r.rows(), r.dangling());
        }
        transactions += pendingTransactions;
        try (PreparedStatement ps = flat.prepareStatement("UPDATE _convert.follow SET next_lsn = ?, commit_lsn = ?, "
                + "transactions = transactions + ?, updated = clock_timestamp() WHERE slot_name = ?")) {
            ps.setString(1, pendingNext.toString());
            ps.setString(2, pendingCommit.toString());
            ps.setLong(3, pendingTransactions);
            ps.setString(4, slot);
            ps.executeUpdate();
        }
        flat.commit();
        // Only now is it durable in flat: confirm it, and nothing beyond.
        next = pendingNext;
        rows += batchRows;
        log.debug("convert --follow: {} transaction(s), {} rows, at {}", pendingTransactions, batchRows, next);
        pendingTransactions = 0;
        touched.values().forEach(TreeSet::clear);
        removed.clear();
        if (confirmSlot) {
            stream.setFlushedLSN(next.toPgJdbc());
            stream.setAppliedLSN(next.toPgJdbc());
            stream.forceUpdateStatus();
        }
    }

    /**
     * Late-arriving references, resolved as a full conversion would: a row converted earlier with
     * the sentinel 0 for a submit, mpi_install or test_build that has arrived since gets that
     * reference now, updated in place (its flat id stays, so nothing that refers to it moves).
     * Installs first, then builds (a build's install is what its runs take), then runs. Looks only
     * at flat rows holding a sentinel, and only in batches that brought new base rows.
     */
    private void resolveLate() throws SQLException {
        // mpi_install: its submit
        for (long[] row : late("mpi_install", "submit_id = 0", "submit_id", "submit_id", 1)) {
            long submit = ref(maps.submit, row[3]);
            if (submit != 0) {
                update("UPDATE mpi_install SET submit_id = ? WHERE mpi_install_id = ?", submit, row[1]);
            }
        }
        // test_build: its submit and install; the build's install is what its runs take
        for (long[] row : late("test_build", "submit_id = 0 OR mpi_install_id = 0", "submit_id, mpi_install_id",
                "submit_id, mpi_install_id", 2)) {
            long submit = ref(maps.submit, row[4]);
            long install = ref(maps.install, row[5]);
            if (submit != row[2] || install != row[3]) {
                update("UPDATE test_build SET submit_id = ?, mpi_install_id = ? WHERE test_build_id = ?", submit, install,
                        row[1]);
                maps.buildInstall.put(row[1], install);
            }
        }
        // test_run: its submit, its build, and the build's install
        // (v3 has no install of its own for a run here: the last v3 column repeats the build, unused)
        for (long[] row : late("test_run", TEST_RUN_DANGLING, "submit_id, test_build_id, mpi_install_id",
                "submit_id, test_build_id, test_build_id", 3)) {
            long submit = ref(maps.submit, row[5]);
            long build = ref(maps.build, row[6]);
            long install = build == 0 ? 0 : maps.buildInstall.get(build, 0);
            if (submit != row[2] || build != row[3] || install != row[4]) {
                update("UPDATE test_run SET submit_id = ?, test_build_id = ?, mpi_install_id = ? WHERE test_run_id = ?",
                        submit, build, install, row[1]);
            }
        }
    }

    private static long ref(LongLongMap map, long v3Id) {
        long id = map.get(v3Id, IdMaps.MISSING);
        return id == IdMaps.MISSING ? 0 : id;
    }

    /**
     * Flat rows of {@code table} matching {@code dangling}, each as {old id, flat id, the flat
     * references {@code flatRefs}, then the v3 row's references {@code v3Refs}}; both lists
     * have {@code refs} columns.
     */
    private java.util.List<long[]> late(String table, String dangling, String flatRefs, String v3Refs, int refs)
            throws SQLException {
        Map<Long, long[]> rows = new HashMap<>();
        try (Statement st = flat.createStatement(); ResultSet rs = st.executeQuery("SELECT old_" + table + "_id, "
                + table + "_id, " + flatRefs + " FROM " + table + " WHERE (" + dangling + ") AND " + table + "_id <> 0")) {
            while (rs.next()) {
                long[] row = new long[2 + 2 * refs];
                for (int i = 0; i < 2 + refs; i++) {
                    row[i] = rs.getLong(i + 1);
                }
                rows.put(row[0], row);
            }
        }
        if (rows.isEmpty()) {
            return java.util.List.of();
        }
        String ids = rows.keySet().stream().map(String::valueOf).collect(Collectors.joining(","));
        return v3Session.inTransaction(c -> {
            java.util.List<long[]> out = new java.util.ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT " + table + "_id, " + v3Refs
                    + " FROM " + table + " WHERE " + table + "_id = ANY ('{" + ids + "}'::bigint[])")) {
                while (rs.next()) {
                    long[] row = rows.get(rs.getLong(1));
                    for (int i = 0; i < refs; i++) {
                        row[2 + refs + i] = rs.getLong(2 + i);
                    }
                    out.add(row);
                }
            }
            return out;
        });
    }

    private void update(String sql, long... values) throws SQLException {
        try (PreparedStatement ps = flat.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                ps.setLong(i + 1, values[i]);
            }
            ps.executeUpdate();
        }
    }

    private java.util.Set<Long> convertedRuns(TreeSet<Long> ids) throws SQLException {
        java.util.Set<Long> done = new java.util.HashSet<>();
        if (ids.isEmpty()) {
            return done;
        }
        try (PreparedStatement ps = flat.prepareStatement(
                "SELECT old_test_run_id FROM test_run WHERE old_test_run_id = ANY (?)")) {
            ps.setArray(1, flat.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    done.add(rs.getLong(1));
                }
            }
        }
        return done;
    }

    private LongLongMap map(FlatTable t) {
        return switch (t) {
            case SUBMIT -> maps.submit;
            case MPI_INSTALL -> maps.install;
            case TEST_BUILD -> maps.build;
            default -> throw new IllegalArgumentException(t.table);
        };
    }

    /** Closes the stream and the sessions; an open flat transaction rolls back. */
    @Override
    public void close() {
        if (stream != null) {
            try {
                stream.close();
            } catch (SQLException e) {
                // closing the connection ends the stream
            }
        }
        for (Connection c : new Connection[] {flat, v3, replication}) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException e) {
                    // closing ends the session either way
                }
            }
        }
    }

    /** Drops the slot (after the follower is closed): a forgotten slot keeps v3's WAL forever. */
    public boolean dropSlot() {
        try (Connection src = ctx.openV3()) {
            return ReplicationSlot.drop(src, slot);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not drop slot " + slot + ": " + ServerError.describe(e), e);
        }
    }
}
