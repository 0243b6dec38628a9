package org.fastcopy.plan;

import java.util.List;

import static org.fastcopy.util.Sql.qualified;

/**
 * A table whose rows the copy moves, as the source catalogue described it inside the snapshot.
 *
 * @param oid     the source's pg_class oid (not meaningful on the target)
 * @param bytes   pg_relation_size of the main fork: the planner's measure of work
 * @param pages   bytes / block_size: the ctid range a chunked copy cuts up
 * @param rows    reltuples estimate (-1 when never analysed): for progress, never for correctness
 * @param columns the columns COPY moves, in attnum order (dropped and generated columns left out:
 *                COPY FROM refuses generated columns and dropped ones have no name)
 */
public record SourceTable(long oid, String schema, String name, long bytes, long pages, double rows,
                          List<String> columns) {
    public SourceTable {
        columns = List.copyOf(columns);
    }

    /** "schema"."name", quoted. */
    public String qualifiedName() {
        return qualified(schema, name);
    }

    /** schema.name as the user reads it, unquoted: for messages and reports only. */
    public String displayName() {
        return schema + "." + name;
    }
}
