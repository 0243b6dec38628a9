package org.fastcopy.generate;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The calendar years the generated results cover, both ends inclusive ("2006-2015" or "2012").
 *
 * @param first first year
 * @param last  last year, not before first
 */
public record YearSpan(int first, int last) {
    /** Production's history: the v3 database lived from 2006 to the 2015 conversion. */
    public static final YearSpan DEFAULT = new YearSpan(2006, 2015);

    private static final Pattern SPAN = Pattern.compile("\\s*(\\d{4})\\s*(?:-\\s*(\\d{4})\\s*)?");
    private static final int EARLIEST = 1970;
    private static final int LATEST = 2199;

    public YearSpan {
        if (first < EARLIEST || last > LATEST) {
            throw new IllegalArgumentException("years " + first + "-" + last + " are outside "
                    + EARLIEST + "-" + LATEST);
        }
        if (last < first) {
            throw new IllegalArgumentException("years " + first + "-" + last + " end before they start");
        }
    }

    /** Parses "2006-2015" or a single year "2012". */
    public static YearSpan parse(String text) {
        Matcher m = SPAN.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("years '" + text + "' are not YYYY or YYYY-YYYY");
        }
        int first = Integer.parseInt(m.group(1));
        int last = m.group(2) == null ? first : Integer.parseInt(m.group(2));
        return new YearSpan(first, last);
    }

    public int count() {
        return last - first + 1;
    }

    @Override
    public String toString() {
        return first == last ? Integer.toString(first) : first + "-" + last;
    }
}
