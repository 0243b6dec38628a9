package org.fastcopy.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDateTime;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

class WeeklyCalendarTest {

    @Test
    void weeksStartEverySevenDaysFromTheFirstOfTheMonth() {
        List<Week> march = WeeklyCalendar.weeksOf(YearMonth.of(2012, 3));

        assertThat(march).extracting(Week::start).containsExactly(
                LocalDateTime.of(2012, 3, 1, 0, 0), LocalDateTime.of(2012, 3, 8, 0, 0),
                LocalDateTime.of(2012, 3, 15, 0, 0), LocalDateTime.of(2012, 3, 22, 0, 0),
                LocalDateTime.of(2012, 3, 29, 0, 0));
        assertThat(march.get(1).end()).isEqualTo(LocalDateTime.of(2012, 3, 15, 0, 0));
    }

    @Test
    void weekFiveIsClippedAtTheNextMonth() {
        Week fifth = WeeklyCalendar.weeksOf(YearMonth.of(2012, 3)).get(4);

        assertThat(fifth.number()).isEqualTo(5);
        assertThat(fifth.end()).isEqualTo(LocalDateTime.of(2012, 4, 1, 0, 0));
        assertThat(fifth.seconds()).isEqualTo(3 * 86_400);
    }

    @Test
    void aNonLeapFebruaryHasNoWeekFive() {
        List<Week> february = WeeklyCalendar.weeksOf(YearMonth.of(2011, 2));

        assertThat(february).hasSize(4);
        assertThat(february.get(3).end()).isEqualTo(LocalDateTime.of(2011, 3, 1, 0, 0));
    }

    @Test
    void aLeapFebruaryHasAOneDayWeekFive() {
        List<Week> february = WeeklyCalendar.weeksOf(YearMonth.of(2012, 2));

        assertThat(february).hasSize(5);
        assertThat(february.get(4).start()).isEqualTo(LocalDateTime.of(2012, 2, 29, 0, 0));
        assertThat(february.get(4).end()).isEqualTo(LocalDateTime.of(2012, 3, 1, 0, 0));
    }

    @Test
    void childrenAreNamedLikeProduction() {
        Week week = WeeklyCalendar.weeksOf(YearMonth.of(2012, 3)).get(1);

        assertThat(week.childName("test_run")).isEqualTo("test_run_y2012_m03_wk2");
        assertThat(WeeklyCalendar.weeksOf(YearMonth.of(2009, 11)).get(4).childName("mpi_install"))
                .isEqualTo("mpi_install_y2009_m11_wk5");
    }

    @Test
    void theDefaultSpanHasFiveWeeksInEveryMonthButNonLeapFebruaries() {
        List<Week> weeks = WeeklyCalendar.weeks(YearSpan.DEFAULT);

        // 120 months of 5 weeks, less one for each of the 8 non-leap Februaries of 2006-2015.
        assertThat(weeks).hasSize(120 * 5 - 8);
    }

    @Test
    void weeksTileTheSpanWithoutGapsOrOverlaps() {
        List<Week> weeks = WeeklyCalendar.weeks(new YearSpan(2011, 2013));

        assertThat(weeks.get(0).start()).isEqualTo(LocalDateTime.of(2011, 1, 1, 0, 0));
        assertThat(weeks.get(weeks.size() - 1).end()).isEqualTo(LocalDateTime.of(2014, 1, 1, 0, 0));
        for (int i = 1; i < weeks.size(); i++) {
            assertThat(weeks.get(i).start()).as("start of %s", weeks.get(i)).isEqualTo(weeks.get(i - 1).end());
        }
    }

    @Test
    void yearSpansParseRangesAndSingleYears() {
        assertThat(YearSpan.parse("2006-2015")).isEqualTo(new YearSpan(2006, 2015));
        assertThat(YearSpan.parse("2012")).isEqualTo(new YearSpan(2012, 2012));
        assertThatThrownBy(() -> YearSpan.parse("2015-2006")).hasMessageContaining("2015-2006");
        assertThatThrownBy(() -> YearSpan.parse("last year")).hasMessageContaining("last year");
    }
}
