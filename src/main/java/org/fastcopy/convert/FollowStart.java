package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.follow.ReplicationSlot;
import org.fastcopy.follow.decode.Lsn;
import org.fastcopy.pg.Scalar;
import org.fastcopy.pg.ServerError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** {@code convert --follow}'s start: publication, slot, catch-up conversion, the first follow position. */
final class FollowStart {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);

    private final ConvertContext ctx;
    private final Connections connections;
    private final String slot;
    private final String publication;
    private final FollowPublication published;

    FollowStart(ConvertContext ctx, Connections connections, String slot, String publication, FollowPublication published) {
        this.ctx = ctx;
        this.connections = connections;
        this.slot = slot;
        this.publication = publication;
        this.published = published;
    }

    /**
     * Starts following unless the flat database follows this slot already: the publication (result
     * tables with their weekly children, the dimension tables flat inlines) and the slot on v3,
     * then an incremental conversion of what committed before the slot, then the slot's consistent
     * point as the follow position. A conversion after the slot takes rows the stream brings too:
     * they are skipped as already converted. A resumed follower gets what its publication lacks.
     *
     * @return whether it started (false: resumed)
     */
    boolean prepare() {
        try (Connection f = ctx.openFlat(); Connection src = ctx.openV3()) {
            try (Statement st = f.createStatement()) {
                st.execute(ConvertLedger.CREATE);
                st.execute(ConvertFollow.CREATE);
                st.execute(FollowPublication.CREATE);
            }
            if (!"logical".equals(Scalar.text(src, "SHOW wal_level"))) {
                throw new FastcopyException(FastcopyException.USAGE, "convert --follow: wal_level on " + ctx.v3Endpoint
                        + " is " + Scalar.text(src, "SHOW wal_level") + ", not logical: set wal_level = logical and restart");
            }
            published.ensure(src);
            if (followPosition(f, slot) != null) {
                indexes(f);
                return false;
            }
            // A slot without a follow position in flat is one a killed start left behind: nothing
            // relies on it (flat records no position from it), and keeping it would keep v3's WAL.
            if (ReplicationSlot.drop(src, slot)) {
                log.warn("convert --follow: dropped slot {}, left by a start that did not finish", slot);
            }
            Lsn point;
            try (ReplicationSlot s = ReplicationSlot.create(connections, ctx.v3Endpoint, slot)) {
                point = s.consistentPoint();
            }
            ConvertSpec sp = ctx.spec;
            new ConvertJob(new ConvertSpec(sp.source(), sp.target(), sp.v3Database(), sp.flatDatabase(), null, sp.jobs(),
                    sp.rangesPerJob(), false, true, VerifyOptions.OFF, sp.workDir(), sp.toastCompression()),
                    connections, ConvertListener.NONE).run();
            indexes(f);
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

    /** Indexes the follower's set-based statements need on flat (created once). */
    private static void indexes(Connection f) throws SQLException {
        try (Statement st = f.createStatement()) {
            // Streamed test_run updates and deletes find their flat rows by the v3 id.
            st.execute("CREATE INDEX IF NOT EXISTS test_run_old_test_run_id_idx ON test_run (old_test_run_id)");
            // Rows holding a sentinel reference: looked at again whenever new base rows arrive.
            st.execute("CREATE INDEX IF NOT EXISTS test_run_dangling_idx ON test_run (old_test_run_id) WHERE "
                    + LateReferences.TEST_RUN_DANGLING);
            // The runs of an updated or deleted build (and, through their builds, of a deleted install).
            st.execute("CREATE INDEX IF NOT EXISTS test_run_test_build_id_idx ON test_run (test_build_id)");
        }
    }

    static Lsn followPosition(Connection f, String slot) throws SQLException {
        try (PreparedStatement ps = f.prepareStatement("SELECT next_lsn FROM _convert.follow WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Lsn.parse(rs.getString(1)) : null;
            }
        }
    }
}
