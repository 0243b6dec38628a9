package org.fastcopy.report;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a {@link RunRecorder} saw, frozen for the renderer. Times are nanoseconds since the run
 * started.
 *
 * @param title      the command, e.g. {@code fastcopy --src flux1 --dst flux2 --db mttv3}
 * @param started    wall-clock start
 * @param elapsed    the run's length
 * @param failure    the error the run ended with, or null when it succeeded
 * @param steps      the STEP lines (and migrate's phases) in start order
 * @param lanes      spans per worker, lanes in order of first appearance
 * @param totals     per lane and kind: work items and busy time, exact whatever was merged
 * @param slowest    the longest single units, batches and ranges, longest first
 * @param rates      rows and bytes per second over time
 * @param verifies   each verify's outcome, in the order they ran
 * @param resolution 0 when every span is drawn apart; else the gap below which neighbours were merged
 */
public record RunRecord(String title, Instant started, long elapsed, String failure, List<Step> steps,
                        Map<String, List<Span>> lanes, List<LaneTotal> totals, List<Span> slowest, Rates rates,
                        List<Verify> verifies, long resolution) {

    public boolean failed() {
        return failure != null;
    }

    /**
     * One step of a job, as its STEP line names it.
     *
     * @param scope  whose step: the database of a copy, {@code convert}, {@code migrate}
     * @param name   e.g. {@code STEP 6 data and post-data}
     * @param end    when it ended; the run's end when it was still running
     * @param detail why it was skipped, or what it failed with
     */
    public record Step(String scope, String name, long start, long end, Status status, String detail) {
        public enum Status { DONE, SKIPPED, FAILED, UNFINISHED }
    }

    /** Busy time and count of one kind of work on one lane. */
    public record LaneTotal(String lane, Span.Kind kind, long count, long busyNanos, long rows, long bytes) {
    }

    /**
     * @param bucketNanos width of each bucket
     * @param rows        rows per second in each bucket
     * @param bytes       bytes per second in each bucket
     */
    public record Rates(long bucketNanos, double[] rows, double[] bytes) {
    }

    /**
     * @param scope   what was verified (a copied database, a flat database)
     * @param ok      whether both sides agreed
     * @param summary one line: what was compared
     * @param details the differences (capped), or what was explained rather than counted
     */
    public record Verify(String scope, boolean ok, String summary, List<String> details) {
    }
}
