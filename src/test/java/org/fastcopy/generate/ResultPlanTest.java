package org.fastcopy.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ResultPlanTest {

    @Test
    void theSameSeedAndScaleGiveTheSameRowsPerWeek() {
        ResultPlan a = new ResultPlan(42, 0.05, YearSpan.DEFAULT);
        ResultPlan b = new ResultPlan(42, 0.05, YearSpan.DEFAULT);

        for (int w = 0; w < a.weeks.size(); w++) {
            assertThat(a.testRun.count(w)).isEqualTo(b.testRun.count(w));
        }
    }

    @Test
    void rowsAreProportionalToTheScale() {
        ResultPlan small = new ResultPlan(42, 0.01, YearSpan.DEFAULT);
        ResultPlan large = new ResultPlan(42, 0.03, YearSpan.DEFAULT);

        assertThat(large.testRun.total()).isEqualTo(3 * small.testRun.total());
        assertThat((double) large.testBuild.total() / small.testBuild.total()).isBetween(2.9, 3.1);
        assertThat(small.testRun.total()).isGreaterThan(10 * small.testBuild.total());
        assertThat(small.testBuild.total()).isGreaterThan(3 * small.mpiInstall.total());
    }

    @Test
    void theLastYearHasSeveralTimesTheRowsOfTheFirst() {
        ResultPlan plan = new ResultPlan(42, 0.1, YearSpan.DEFAULT);

        assertThat(rowsIn(plan, 2015)).isGreaterThan(5 * rowsIn(plan, 2006));
        for (int year = 2007; year <= 2015; year++) {
            assertThat(rowsIn(plan, year)).as("rows of %d", year).isGreaterThan(rowsIn(plan, year - 1));
        }
    }

    @Test
    void everyWeekStartsWithAHoleThatNoRowHas() {
        ResultPlan plan = new ResultPlan(42, 0.01, new YearSpan(2012, 2012));
        IdSpace ids = plan.testBuild;

        for (int w = 0; w < ids.weeks(); w++) {
            assertThat(ids.isHole(ids.hole(w))).isTrue();
            if (ids.count(w) > 0) {
                assertThat(ids.isHole(ids.firstId(w))).isFalse();
                assertThat(ids.weekOf(ids.firstId(w) + ids.count(w) - 1)).isEqualTo(w);
            }
        }
        assertThat(ids.maxId()).isEqualTo(ids.total() + ids.weeks());
    }

    @Test
    void recentReferencesPointAtExistingRowsOfTheWeekOrBefore() {
        ResultPlan plan = new ResultPlan(42, 0.01, new YearSpan(2012, 2013));
        IdSpace ids = plan.testBuild;
        SplittableRandom rng = new SplittableRandom(1);

        for (int w = 10; w < ids.weeks(); w++) {
            for (int k = 0; k < 20; k++) {
                long id = ids.recent(w, rng, 48);
                assertThat(ids.isHole(id)).isFalse();
                assertThat(ids.weekOf(id)).isLessThanOrEqualTo(w);
            }
        }
    }

    private static long rowsIn(ResultPlan plan, int year) {
        long rows = 0;
        for (int w = 0; w < plan.weeks.size(); w++) {
            if (plan.weeks.get(w).year() == year) {
                rows += plan.testRun.count(w);
            }
        }
        return rows;
    }
}
