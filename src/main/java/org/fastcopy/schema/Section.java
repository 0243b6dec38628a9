package org.fastcopy.schema;

/** The two parts of a schema-only archive that pg_restore --section can render. */
public enum Section {
    /** Everything a table needs before its rows arrive: schemas, types, functions, tables, defaults. */
    PRE_DATA("pre-data"),
    /** Everything cheaper to build after the rows: indexes, keys, rules, triggers. */
    POST_DATA("post-data");

    private final String option;

    Section(String option) {
        this.option = option;
    }

    /** The value pg_restore's --section takes. */
    public String option() {
        return option;
    }
}
