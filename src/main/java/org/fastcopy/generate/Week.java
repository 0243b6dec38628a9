package org.fastcopy.generate;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * One weekly partition of the MTT v3 result tables: week {@code number} (1-5) of a month, covering
 * {@code [start, end)}. The end is the earlier of start + 7 days and the next month's start, so
 * week 5 is only the month's days after the 28th.
 *
 * @param year   calendar year
 * @param month  1-12
 * @param number week of the month, 1-5
 * @param start  first instant inside the week
 * @param end    first instant after the week
 */
public record Week(int year, int month, int number, LocalDateTime start, LocalDateTime end) {

    private static final DateTimeFormatter SQL_TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    public Week {
        if (number < 1 || number > 5) {
            throw new IllegalArgumentException("week number " + number + " is not 1-5");
        }
        if (!start.isBefore(end)) {
            throw new IllegalArgumentException("week " + start + " does not end after it starts: " + end);
        }
    }

    /** The production name of this week's child of {@code parent}, e.g. test_run_y2012_m03_wk2. */
    public String childName(String parent) {
        return parent + suffix();
    }

    /** _y2012_m03_wk2 */
    public String suffix() {
        return "_y" + year + "_m" + (month < 10 ? "0" : "") + month + "_wk" + number;
    }

    /** The start as a SQL timestamp literal body, e.g. 2012-03-08 00:00:00. */
    public String startText() {
        return SQL_TIMESTAMP.format(start);
    }

    /** The end as a SQL timestamp literal body. */
    public String endText() {
        return SQL_TIMESTAMP.format(end);
    }

    /** Length in seconds: 604800 for a full week, less for a week 5. */
    public long seconds() {
        return java.time.Duration.between(start, end).getSeconds();
    }
}
