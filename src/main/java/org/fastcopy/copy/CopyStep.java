package org.fastcopy.copy;

/**
 * The steps of one database's copy, in the order they run. Each name is used three times: by
 * {@link DatabaseCopy}, one method per step; in the log, "STEP 3 schema dump" when the step starts
 * and "STEP 3 schema dump done in 1.2 s" when it ends; and in the report and the phase meters,
 * as the step's key. A step a run does not need (pre-data on a resumed run, materialized views
 * when the source has none populated) is logged as skipped and keeps its number.
 */
enum CopyStep {
    SNAPSHOT("snapshot"),
    PLAN("plan"),
    SCHEMA_DUMP("schema dump"),
    TARGET_DATABASE("target database"),
    PRE_DATA("pre-data"),
    /** Timed in the report as a whole; the meters time its two overlapping parts instead. */
    DATA_AND_POST_DATA("data and post-data"),
    SEQUENCES("sequences"),
    MATERIALIZED_VIEWS("materialized views"),
    LARGE_OBJECTS("large objects"),
    ANALYZE("analyze"),
    VERIFY("verify"),
    FINISH("finish");

    /** The meters' names of the two parts of {@link #DATA_AND_POST_DATA}. */
    static final String DATA_PART = "data";
    static final String POST_DATA_PART = "post-data";

    private final String label;

    CopyStep(String label) {
        this.label = label;
    }

    /** 1-based, as in the log's STEP lines. */
    int number() {
        return ordinal() + 1;
    }

    /** The name in the log, the report and the meters. */
    String label() {
        return label;
    }

    @Override
    public String toString() {
        return "STEP " + number() + " " + label;
    }
}
