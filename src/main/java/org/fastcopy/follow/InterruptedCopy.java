package org.fastcopy.follow;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.ledger.Ledger;
import org.fastcopy.pg.Databases;
import org.fastcopy.pg.ServerError;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What {@code --follow --resume} finds on the target, and so whether it can stream on or must
 * copy again. A following copy cannot resume its copy phase: the copy reads in the slot's exported
 * snapshot, which ends with the connection that created the slot (a kill -9 ends both). Starting
 * over is safe only on evidence that the interrupted run was ours: the target database is absent
 * (killed before it was created), or it carries our ledger without a follow position (a partial
 * copy); a database without our ledger that holds anything is someone's, and is never dropped.
 */
enum InterruptedCopy {
    /** A following copy finished: the ledger has the follow position; stream on. */
    FOLLOWED,
    /** No target database: nothing there to drop; copy again if the slot shows our run was here. */
    ABSENT,
    /** Empty, without our ledger (killed right after creating it, or made by createdb): copy into it, as is. */
    EMPTY,
    /** Our ledger without a follow position: an unfinished copy of ours; drop it and copy again. */
    PARTIAL,
    /** A database without our ledger that holds objects: not ours to drop. */
    FOREIGN;

    static InterruptedCopy inspect(Connections connections, Endpoint target) {
        try (Connection m = connections.open(target.withDatabase(Databases.MAINTENANCE_DB), "fastcopy-follow")) {
            if (!Databases.exists(m, target.database())) {
                return ABSENT;
            }
        } catch (SQLException e) {
            throw failed(target, e);
        }
        try (Connection t = connections.open(target, "fastcopy-follow")) {
            if (FollowLedger.followed(t)) {
                return FOLLOWED;
            }
            if (Ledger.exists(t)) {
                return PARTIAL;
            }
            return Databases.isEmpty(t) ? EMPTY : FOREIGN;
        } catch (SQLException e) {
            throw failed(target, e);
        }
    }

    private static FastcopyException failed(Endpoint target, SQLException e) {
        return new FastcopyException(FastcopyException.CONNECTION, "could not inspect " + target + ": "
                + ServerError.describe(e), e);
    }
}
