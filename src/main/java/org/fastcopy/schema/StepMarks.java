package org.fastcopy.schema;

import java.util.List;

/**
 * Records schema items as done in the same transaction that runs them, so a resumed run can skip
 * exactly what committed. {@link DdlSession} appends {@link #markSql} to each batch it sends;
 * PostgreSQL runs one multi-statement query as one implicit transaction, so the items and their
 * marks commit or vanish together.
 */
public interface StepMarks {
    /** Records nothing (a run without a ledger). */
    StepMarks NONE = entries -> "";

    /** SQL (possibly empty) that marks these items done. */
    String markSql(List<TocEntry> entries);

    /** A key for an item that survives a new dump of the same schema (dump ids may not). */
    static String key(TocEntry e) {
        return e.type() + "|" + (e.schema() == null ? "" : e.schema()) + "|" + e.name();
    }
}
