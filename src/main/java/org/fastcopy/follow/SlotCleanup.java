package org.fastcopy.follow;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.SqlStates;
import org.fastcopy.util.ByteSize;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import static org.fastcopy.util.Sql.ident;

/** {@code fastcopy follow --drop-slot / --status}: a left slot found, measured, removed. */
public final class SlotCleanup {
    private SlotCleanup() {
    }

    /** Drops the slot and the publications of that name; one line saying what was done. */
    public static String drop(Connections connections, Endpoint source, String slot) {
        try (Connection c = connections.open(source, "fastcopy-follow")) {
            long held = SlotStatus.walHeld(c, slot);
            boolean dropped = ReplicationSlot.drop(c, slot);
            try (Statement st = c.createStatement()) {
                st.execute("DROP PUBLICATION IF EXISTS " + ident(slot));
                st.execute("DROP PUBLICATION IF EXISTS " + ident(FollowSpec.insertOnlyPublication(slot)));
            }
            return dropped ? "replication slot " + slot + " dropped from " + source + " (it held "
                    + ByteSize.format(held) + " of WAL); no replication slot remains"
                    : "no replication slot " + slot + " on " + source + "; its publications, if any, dropped";
        } catch (SQLException e) {
            if (SqlStates.has(e, "55006")) {
                throw new FastcopyException(FastcopyException.FAILED, "replication slot " + slot + " on " + source
                        + " is in use by a running follower: stop it (or cut over) first");
            }
            throw new FastcopyException(FastcopyException.FAILED, "could not drop replication slot " + slot + " on "
                    + source + ": " + ServerError.describe(e), e);
        }
    }

    public static String status(Connections connections, Endpoint source, String slot) {
        return SlotStatus.line(connections, source, slot);
    }
}
