package org.fastcopy.convert;

/**
 * The convert job's steps in running order: the one list of names the code, the log ("STEP 3
 * base tables") and the report's {@code steps} use. {@code --verify-only} runs {@link #VERIFY} and
 * {@link #FINISH} alone and keeps their numbers, so a step's number never depends on the mode.
 */
enum ConvertStep {
    /** Create the flat database if missing, its tables and sentinel rows, the {@code _convert} ledger. */
    TARGET("target database"),
    /** Take the convert lock and the v3 snapshot; resume the unfinished run's plan or cut new ranges. */
    PLAN("plan"),
    /** The base tables' flat ids fixed (blocks of the flat sequence, in the ledger) and mapped. */
    ID_MAPS("id maps"),
    /**
     * test_run ranges through the transform pipe on {@code --jobs} workers, and beside them the
     * base tables submit, mpi_install, test_build (one flat transaction each) on one of the workers.
     */
    RANGES("ranges"),
    /** The run's watermarks: what the next incremental run starts after. */
    WATERMARKS("watermarks"),
    /** Indexes and foreign keys, in parallel where their locks allow ({@link KeysStep}). */
    KEYS("indexes and keys"),
    /** Flat against v3 ({@link FlatVerifier}), when asked for. */
    VERIFY("verify"),
    /** The report. */
    FINISH("finish");

    final String title;

    ConvertStep(String title) {
        this.title = title;
    }

    int number() {
        return ordinal() + 1;
    }

    @Override
    public String toString() {
        return "STEP " + number() + " " + title;
    }
}
