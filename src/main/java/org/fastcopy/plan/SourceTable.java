package org.fastcopy.plan;

import org.fastcopy.data.BinaryIo;
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
 * @param toastBytes size of the table's TOAST relation: MTT's stdout and stderr live there, so
 *                the main fork alone understates a result table's work several times over
 * @param binaryIo how far the rows can travel in binary COPY, by the column types ({@link BinaryIo})
 */
public record SourceTable(long oid, String schema, String name, long bytes, long pages, double rows,
                          List<String> columns, long toastBytes, BinaryIo binaryIo) {
    public SourceTable {
        columns = List.copyOf(columns);
    }

    public SourceTable(long oid, String schema, String name, long bytes, long pages, double rows, List<String> columns,
                       long toastBytes) {
        this(oid, schema, name, bytes, pages, rows, columns, toastBytes, BinaryIo.SAME_MAJOR);
    }

    public SourceTable(long oid, String schema, String name, long bytes, long pages, double rows, List<String> columns) {
        this(oid, schema, name, bytes, pages, rows, columns, 0);
    }

    /** Main fork and TOAST: what the COPY reads, still compressed (progress and largest-first order). */
    public long workBytes() {
        return bytes + toastBytes;
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
