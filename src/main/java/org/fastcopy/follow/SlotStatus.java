package org.fastcopy.follow;

import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.ServerError;
import org.fastcopy.util.ByteSize;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * What a slot left on the source costs: the WAL the server must keep for it
 * ({@code pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)}), which grows with every write on
 * the source until the slot is read on or dropped. Every exit of a following run prints
 * {@link #line}: a slot nobody knows about fills the source's disk.
 */
public final class SlotStatus {
    private SlotStatus() {
    }

    /** Bytes of WAL the slot holds back, or -1 when there is no such slot. */
    public static long walHeld(Connection source, String slot) throws SQLException {
        try (PreparedStatement ps = source.prepareStatement("SELECT coalesce(pg_catalog.pg_wal_lsn_diff("
                + "pg_catalog.pg_current_wal_lsn(), restart_lsn), 0)::bigint FROM pg_catalog.pg_replication_slots"
                + " WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    /** One line saying whether the slot remains and what it holds; never throws. */
    public static String line(Connections connections, Endpoint source, String slot) {
        try (Connection c = connections.open(source, "fastcopy-follow")) {
            long held = walHeld(c, slot);
            if (held < 0) {
                return "no replication slot remains on " + source;
            }
            return "replication slot " + slot + " remains on " + source + ", holding " + ByteSize.format(held)
                    + " of WAL (growing with every write): continue with --follow --resume, or remove it with "
                    + "fastcopy follow --drop-slot --src ... --db " + source.database();
        } catch (RuntimeException | SQLException e) {
            return "could not check replication slot " + slot + " on " + source + " ("
                    + (e instanceof SQLException se ? ServerError.describe(se) : e.getMessage())
                    + "): a slot survives server restarts, so it may remain and hold WAL; once the server is back, "
                    + "continue with --follow --resume, or remove it with fastcopy follow --drop-slot --src ... --db "
                    + source.database() + " (fastcopy follow --status tells)";
        }
    }
}
