package org.fastcopy.metrics;

import org.fastcopy.data.CopyResult;
import org.fastcopy.schema.DdlReport;

import java.util.Map;

/**
 * What one database's copy tells its meters. The orchestrator and the data phase call it; they never
 * see a meter registry, so a run without metrics pays for nothing but no-op calls ({@link #NONE}).
 *
 * <p>One tracker per database ({@link Factory#forDatabase}), so the database tag is fixed once and
 * no call has to look a meter up by its tags. Every method may be called from any thread.
 *
 * <p>Hazard: {@link #bytesStreamed} runs in the reader's hot loop and holds up the source while it
 * runs; an implementation must only add to a counter built beforehand.
 */
public interface CopyMetrics {
    CopyMetrics NONE = new CopyMetrics() {
    };

    /** Makes the tracker of each database a run copies. */
    @FunctionalInterface
    interface Factory {
        Factory NONE = db -> CopyMetrics.NONE;

        CopyMetrics forDatabase(String db);
    }

    /** A runbook step finished, with its wall time. */
    default void phaseDone(String phase, long nanos) {
    }

    /**
     * The plan is known, before any unit starts.
     *
     * @param units        units this run copies
     * @param bytesByTable estimated bytes of every planned table (schema.table), to pick the tables
     *                     worth a tag of their own
     */
    default void planned(int units, Map<String, Long> bytesByTable) {
    }

    /** Bytes just read from the source, not yet committed. Hot path: see the class comment. */
    default void bytesStreamed(long bytes) {
    }

    /** A worker took a unit, first or again after {@link #unitRetried}. */
    default void unitStarted() {
    }

    /** A started unit failed on a broken connection and goes back to be tried again. */
    default void unitRetried() {
    }

    /** A started unit committed. */
    default void unitDone(String table, CopyResult result) {
    }

    /** A schema section (pre-data or post-data) committed all its items. */
    default void schemaDone(DdlReport report) {
    }

    /** Verify finished; 0 when every table is equal. */
    default void verified(int mismatchedTables) {
    }
}
