package org.fastcopy.migrate;

import org.fastcopy.convert.ConvertListener;

/**
 * Points where an embedding program (a test, a wrapper) may look at or act on a migration. Called
 * on the migration's thread; an exception thrown here fails the phase as a failure inside it would.
 */
public interface MigrateListener {
    MigrateListener NONE = new MigrateListener() {
    };

    /** The phase is recorded as running and about to do its work. */
    default void phaseStarted(Phase phase) {
    }

    /** The phase's work is done and recorded. */
    default void phaseFinished(Phase phase) {
    }

    /** Passed to the converter in phase 4. */
    default ConvertListener convertListener() {
        return ConvertListener.NONE;
    }
}
