package org.fastcopy.generate;

import java.time.LocalDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;

/**
 * The weekly partitioning of MTT v3: every month is cut into weeks 1-5 starting on the 1st, the
 * last week clipped at the month's end. Week 5 exists only in months with days past the 28th, so a
 * non-leap February has four weeks and every other month five.
 */
public final class WeeklyCalendar {
    private static final int MAX_WEEKS_PER_MONTH = 5;

    private WeeklyCalendar() {
    }

    /** Every week of every month of the span, in time order. */
    public static List<Week> weeks(YearSpan years) {
        List<Week> weeks = new ArrayList<>();
        for (int year = years.first(); year <= years.last(); year++) {
            for (int month = 1; month <= 12; month++) {
                weeks.addAll(weeksOf(YearMonth.of(year, month)));
            }
        }
        return List.copyOf(weeks);
    }

    /** The four or five weeks of one month. */
    public static List<Week> weeksOf(YearMonth month) {
        LocalDateTime monthStart = month.atDay(1).atStartOfDay();
        LocalDateTime nextMonth = month.plusMonths(1).atDay(1).atStartOfDay();
        List<Week> weeks = new ArrayList<>(MAX_WEEKS_PER_MONTH);
        for (int n = 1; n <= MAX_WEEKS_PER_MONTH; n++) {
            LocalDateTime start = monthStart.plusWeeks(n - 1);
            if (!start.isBefore(nextMonth)) {
                break;
            }
            LocalDateTime end = monthStart.plusWeeks(n);
            weeks.add(new Week(month.getYear(), month.getMonthValue(), n, start,
                    end.isBefore(nextMonth) ? end : nextMonth));
        }
        return weeks;
    }
}
