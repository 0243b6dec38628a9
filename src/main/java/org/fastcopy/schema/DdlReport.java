package org.fastcopy.schema;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What a schema phase did.
 *
 * @param phase        "pre-data" or "post-data"
 * @param connections  target sessions used
 * @param items        items run
 * @param transactions transactions committed (a batch is one; a failed batch rerun item by item is more)
 * @param retries      deadlock / lock-timeout retries
 * @param elapsedNanos wall time from start to the last commit
 * @param byType       per item type: count and summed statement time
 * @param log          every batch in commit order, for ordering checks and the slowest items
 */
public record DdlReport(String phase, int connections, int items, int transactions, int retries, long elapsedNanos,
                        Map<String, TypeStats> byType, List<Executed> log) {

    public DdlReport {
        byType = Map.copyOf(byType);
        log = List.copyOf(log);
    }

    public long elapsedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(elapsedNanos);
    }

    /** @param nanos statement time summed over the type's batches (a mixed batch counts for each type in it) */
    public record TypeStats(int count, long nanos) {
        public long millis() {
            return TimeUnit.NANOSECONDS.toMillis(nanos);
        }
    }

    /**
     * One committed batch.
     *
     * @param worker     which session ran it (0-based)
     * @param startNanos System.nanoTime() when it was sent
     * @param endNanos   System.nanoTime() after the commit
     */
    public record Executed(List<TocEntry> entries, int worker, long startNanos, long endNanos) {
        public Executed {
            entries = List.copyOf(entries);
        }
    }

    /** One line for the log: counts and time per type, slowest first. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(phase).append(": ").append(items).append(" items in ").append(elapsedMillis()).append(" ms on ")
                .append(connections).append(connections == 1 ? " connection, " : " connections, ")
                .append(transactions).append(" transactions");
        if (retries > 0) {
            sb.append(", ").append(retries).append(" retries");
        }
        new TreeMap<>(byType).entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().nanos(), a.getValue().nanos()))
                .forEach(e -> sb.append("; ").append(e.getKey()).append(' ').append(e.getValue().count())
                        .append(" (").append(e.getValue().millis()).append(" ms)"));
        return sb.toString();
    }
}
