package org.fastcopy.follow;

import org.fastcopy.follow.decode.PgOutputMessage;

import java.sql.SQLException;
import java.util.List;

/** Hands a transaction's decoded messages to a {@link RowApplier}, as the follower does for one it applies. */
final class ApplierFeed {
    private ApplierFeed() {
    }

    static void apply(RowApplier applier, List<PgOutputMessage> transaction) throws SQLException {
        for (PgOutputMessage m : transaction) {
            if (m instanceof PgOutputMessage.Relation r) {
                applier.relation(r);
            } else if (m instanceof PgOutputMessage.Insert i) {
                applier.insert(i);
            } else if (m instanceof PgOutputMessage.Update u) {
                applier.update(u);
            } else if (m instanceof PgOutputMessage.Delete d) {
                applier.delete(d);
            } else if (m instanceof PgOutputMessage.Truncate t) {
                applier.truncate(t);
            }
        }
    }
}
