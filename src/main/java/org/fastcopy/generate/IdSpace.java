package org.fastcopy.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The ids of one result table, laid out week by week so that ids grow with time as a serial does.
 * Every week's range starts with a hole, an id no row has (a result deleted by hand, as happens
 * in production): dangling references point at holes, so they can never become valid by
 * accident, and the table's sequence is set past every hole.
 * <p>
 * Week w owns ids hole(w) .. hole(w) + count(w); rows have the ids after the hole.
 */
final class IdSpace {
    private final long[] hole;
    private final long[] count;
    /** rowsBefore[w]: rows in weeks before w; one more entry than there are weeks. */
    private final long[] rowsBefore;

    IdSpace(long[] countPerWeek) {
        int weeks = countPerWeek.length;
        this.count = countPerWeek.clone();
        this.hole = new long[weeks];
        this.rowsBefore = new long[weeks + 1];
        long next = 1;
        for (int w = 0; w < weeks; w++) {
            hole[w] = next;
            next += 1 + count[w];
            rowsBefore[w + 1] = rowsBefore[w] + count[w];
        }
    }

    int weeks() {
        return count.length;
    }

    long count(int week) {
        return count[week];
    }

    long total() {
        return rowsBefore[count.length];
    }

    long hole(int week) {
        return hole[week];
    }

    /** The first row id of the week (there may be no rows). */
    long firstId(int week) {
        return hole[week] + 1;
    }

    /** The highest id handed out, holes included: the sequence's value after the load. */
    long maxId() {
        int last = count.length - 1;
        return last < 0 ? 0 : hole[last] + count[last];
    }

    /** The week whose range holds the id. */
    int weekOf(long id) {
        int i = Arrays.binarySearch(hole, id);
        return i >= 0 ? i : Math.max(0, -i - 2);
    }

    boolean isHole(long id) {
        return hole[weekOf(id)] == id;
    }

    /** The id of the n-th row (0-based) in time order. */
    long idOfRow(long n) {
        int i = Arrays.binarySearch(rowsBefore, n);
        int week;
        if (i >= 0) {
            // Several weeks may start at the same row number when some are empty: take the last.
            while (i + 1 < rowsBefore.length && rowsBefore[i + 1] == n) {
                i++;
            }
            week = i;
        } else {
            week = -i - 2;
        }
        return firstId(week) + (n - rowsBefore[week]);
    }

    /**
     * An existing row among the latest {@code window} up to the end of the week: what a client
     * run would reference. Before the first row exists (only at tiny scales) it takes one of the
     * first rows instead.
     */
    long recent(int week, SplittableRandom rng, int window) {
        long through = Math.min(rowsBefore[week + 1], total());
        if (through == 0) {
            through = Math.min(window, total());
        }
        long low = Math.max(0, through - window);
        return idOfRow(low + rng.nextLong(through - low));
    }

    /** A hole of this week or one of the few before it. */
    long holeNear(int week, SplittableRandom rng) {
        return hole[Math.max(0, week - rng.nextInt(8))];
    }
}
