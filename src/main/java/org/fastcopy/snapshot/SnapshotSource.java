package org.fastcopy.snapshot;

import java.sql.Connection;

/**
 * Where a copy's snapshot comes from. A plain copy exports its own ({@link #EXPORT_LOCKED}); a
 * following copy imports the one a replication slot exported when it was created, so the copy and
 * the slot's change stream meet at the slot's consistent point.
 */
@FunctionalInterface
public interface SnapshotSource {
    /** The default: a snapshot exported on {@code holder} after locking every table (see {@link SourceSnapshot#exportLocked}). */
    SnapshotSource EXPORT_LOCKED = SourceSnapshot::exportLocked;

    /** A snapshot the copy reads through; {@code holder} (a fresh source connection) becomes its owner. */
    SourceSnapshot take(Connection holder);
}
