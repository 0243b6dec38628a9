package org.fastcopy.data;

import java.util.List;
import java.util.Objects;

/**
 * One unit of work for {@link StreamCopier}: a whole table, or one ctid chunk of a big one.
 * Immutable. Names are stored raw, exactly as in the catalogue; {@link CopySql} quotes every one of
 * them, so a name may hold mixed case, spaces, quotes or anything else PostgreSQL allows.
 *
 * <p>A unit copies the named table's own rows only: inheritance children and partitions are units
 * of their own (see {@link CopySql#copyOut}).
 *
 * @param sourceSchema schema on the source
 * @param sourceTable  table on the source: a plain table, not a view or a partitioned parent
 * @param targetSchema schema on the target (usually the same)
 * @param targetTable  table on the target (usually the same)
 * @param columns      columns to copy, in order, same on both sides; stored generated columns must be
 *                     left out (COPY FROM rejects them). Empty only for a table without columns.
 * @param blocks       heap blocks to copy; {@link BlockRange#WHOLE} for the whole table
 * @param label        for messages and progress, e.g. {@code public.t [chunk 3/8]}
 */
public record CopyUnit(String sourceSchema, String sourceTable, String targetSchema, String targetTable,
                       List<String> columns, BlockRange blocks, String label) {

    public CopyUnit {
        Objects.requireNonNull(sourceSchema, "sourceSchema");
        Objects.requireNonNull(sourceTable, "sourceTable");
        Objects.requireNonNull(targetSchema, "targetSchema");
        Objects.requireNonNull(targetTable, "targetTable");
        Objects.requireNonNull(blocks, "blocks");
        Objects.requireNonNull(label, "label");
        columns = List.copyOf(columns);
    }

    /** A whole table copied onto the table of the same name. */
    public static CopyUnit table(String schema, String table, List<String> columns) {
        return new CopyUnit(schema, table, schema, table, columns, BlockRange.WHOLE, schema + "." + table);
    }

    /** The same rows, copied onto another target table; the label names both. */
    public CopyUnit withTarget(String schema, String table) {
        return new CopyUnit(sourceSchema, sourceTable, schema, table, columns, blocks,
                label + " -> " + schema + "." + table);
    }

    /** Chunk {@code index} (1-based) of {@code count} of this whole-table unit, covering {@code range}. */
    public CopyUnit chunk(BlockRange range, int index, int count) {
        if (isChunk()) {
            throw new IllegalStateException(label + " is already a chunk");
        }
        if (index < 1 || index > count) {
            throw new IllegalArgumentException("chunk " + index + " of " + count);
        }
        return new CopyUnit(sourceSchema, sourceTable, targetSchema, targetTable, columns, range,
                label + " [chunk " + index + "/" + count + "]");
    }

    public boolean isChunk() {
        return !blocks.isWhole();
    }

    @Override
    public String toString() {
        return label;
    }
}
