package org.fastcopy.plan;

import org.fastcopy.data.BlockRange;
import org.fastcopy.data.BinaryIo;
import org.fastcopy.data.CopyFormat;
import org.fastcopy.data.ServerPair;
import org.fastcopy.data.CopyUnit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data phase's work list: one unit per table, or several ctid chunks for a table larger than
 * the split size, ordered largest first so the longest units start first and the small ones fill
 * the gaps at the end (longest-processing-time scheduling).
 *
 * <p>Each unit carries its COPY format, chosen per table from its column types
 * ({@link SourceTable#binaryIo()}) and the pair of servers ({@link ServerPair#formatFor}): binary
 * between the same major version and encoding wherever the types have send/receive functions,
 * binary from an older major into a newer one for the built-in types whose format both share,
 * text for the rest.
 */
public final class CopyPlan {
    /** A unit with the numbers the scheduler and the progress display need, and its COPY format. */
    public record PlannedUnit(CopyUnit unit, SourceTable table, long estimatedBytes, String key, CopyFormat format) {
    }

    private final List<SourceTable> tables;
    private final List<PlannedUnit> units;
    private final Map<String, Integer> unitsPerTable;
    private final Map<String, Cut> cutsByTable;
    private final ServerPair servers;

    private CopyPlan(List<SourceTable> tables, List<PlannedUnit> units, Map<String, Cut> cutsByTable,
                     ServerPair servers) {
        this.servers = servers;
        this.cutsByTable = Map.copyOf(cutsByTable);
        this.tables = List.copyOf(tables);
        this.units = List.copyOf(units);
        Map<String, Integer> per = new LinkedHashMap<>();
        for (PlannedUnit u : units) {
            per.merge(tableKey(u.table()), 1, Integer::sum);
        }
        this.unitsPerTable = Map.copyOf(per);
    }

    /** How a table was cut: {@code count} chunks of {@code pagesPerChunk} blocks, the last open-ended. */
    public record Cut(int count, long pagesPerChunk) {
        public String encode() {
            return count + "x" + pagesPerChunk;
        }

        public static Cut decode(String text) {
            String[] p = text.split("x");
            return new Cut(Integer.parseInt(p[0]), Long.parseLong(p[1]));
        }
    }

    /**
     * @param splitLargerThan tables above this many bytes become chunks of about this size; 0 never splits
     */
    public static CopyPlan of(List<SourceTable> tables, long splitLargerThan) {
        return of(tables, splitLargerThan, Map.of(), ServerPair.sameServers(150000));
    }

    /**
     * @param fixedCuts cuts recorded by an earlier run, by {@link SourceTable#displayName()}: a resumed
     *                  run must cut a table exactly as before, or a chunk finished then would overlap
     *                  a chunk redone now and its rows would be copied twice
     * @param servers   what the two servers share: with the table's types, it decides each format
     */
    public static CopyPlan of(List<SourceTable> tables, long splitLargerThan, Map<String, Cut> fixedCuts,
                              ServerPair servers) {
        List<PlannedUnit> units = new ArrayList<>();
        Map<String, Cut> cuts = new LinkedHashMap<>();
        for (SourceTable t : tables) {
            CopyFormat format = servers.formatFor(t.binaryIo());
            CopyUnit whole = CopyUnit.table(t.schema(), t.name(), t.columns());
            Cut cut = fixedCuts.containsKey(t.displayName()) ? fixedCuts.get(t.displayName()) : cutFor(t, splitLargerThan);
            if (cut != null) {
                cuts.put(t.displayName(), cut);
                int count = cut.count();
                long pagesPerChunk = cut.pagesPerChunk();
                for (int i = 0; i < count; i++) {
                    long from = i * pagesPerChunk;
                    // The last chunk runs to the end: relpages is an estimate and the table may hold
                    // blocks past it.
                    BlockRange range = i == count - 1 ? BlockRange.toEnd(from) : BlockRange.of(from, from + pagesPerChunk);
                    CopyUnit chunk = whole.chunk(range, i + 1, count);
                    units.add(new PlannedUnit(chunk, t, t.workBytes() / count, unitKey(t, range), format));
                }
            } else {
                units.add(new PlannedUnit(whole, t, t.workBytes(), unitKey(t, BlockRange.WHOLE), format));
            }
        }
        units.sort(Comparator.comparingLong(PlannedUnit::estimatedBytes).reversed()
                .thenComparing(PlannedUnit::key));
        return new CopyPlan(tables, units, cuts, servers);
    }

    /** What the two servers share. */
    public ServerPair servers() {
        return servers;
    }

    /** BINARY when the servers allow binary for every type that has it (same major and encoding). */
    public CopyFormat serverFormat() {
        return servers.sameMajor() && servers.sameEncoding() ? CopyFormat.BINARY : CopyFormat.TEXT;
    }

    /** The table's COPY format in this plan. */
    public CopyFormat formatOf(SourceTable t) {
        return servers.formatFor(t.binaryIo());
    }

    /** Tables copied in text although the servers allow binary for some tables, because of their column types. */
    public List<SourceTable> textOnlyTables() {
        boolean anyBinary = servers.formatFor(BinaryIo.ANY_MAJOR) == CopyFormat.BINARY;
        return anyBinary ? tables.stream().filter(t -> formatOf(t) == CopyFormat.TEXT).toList() : List.of();
    }

    /** Tables copied in binary. */
    public long binaryTables() {
        return tables.stream().filter(t -> formatOf(t) == CopyFormat.BINARY).count();
    }

    /** The cut for a table above the split size, or null to copy it whole. */
    private static Cut cutFor(SourceTable t, long splitLargerThan) {
        if (splitLargerThan <= 0 || t.bytes() <= splitLargerThan || t.pages() <= 1) {
            return null;
        }
        int count = (int) Math.min(t.pages(), (t.bytes() + splitLargerThan - 1) / splitLargerThan);
        return new Cut(count, (t.pages() + count - 1) / count);
    }

    /** The cuts of this plan's chunked tables, to record for a resumed run. */
    public Map<String, Cut> cuts() {
        Map<String, Cut> out = new LinkedHashMap<>();
        for (SourceTable t : tables) {
            Cut c = cutsByTable.get(t.displayName());
            if (c != null) {
                out.put(t.displayName(), c);
            }
        }
        return out;
    }

    /** The ledger key: stable across runs for the same table and cut. */
    static String unitKey(SourceTable t, BlockRange range) {
        String base = t.schema() + "." + t.name();
        return range.isWhole() ? base : base + "#" + range;
    }

    /** Key of a table for {@link #unitsOf}: the unquoted schema.name plus the oid, unambiguous. */
    public static String tableKey(SourceTable t) {
        return t.oid() + ":" + t.schema() + "." + t.name();
    }

    public List<SourceTable> tables() {
        return tables;
    }

    public List<PlannedUnit> units() {
        return units;
    }

    public int unitsOf(SourceTable t) {
        return unitsPerTable.getOrDefault(tableKey(t), 0);
    }

    public long totalBytes() {
        return tables.stream().mapToLong(SourceTable::bytes).sum();
    }

    public long chunkedTables() {
        return unitsPerTable.values().stream().filter(n -> n > 1).count();
    }
}
