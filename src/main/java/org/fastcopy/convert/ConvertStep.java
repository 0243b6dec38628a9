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
    /** submit, mpi_install, test_build: one flat transaction each, ids reserved and mapped. */
    BASE_TABLES("base tables"),
    /** test_run ranges through the transform pipe on {@code --jobs} workers. */
    RANGES("ranges"),
    /** The run's watermarks: what the next incremental run starts after. */
    WATERMARKS("watermarks"),
    /** Indexes in parallel, then the foreign keys one after the other. */
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
