package org.fastcopy.convert;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code convert --ranges auto}: {@link RangePlanner#balanced} cutting test_run's time axis into
 * ranges of equal rows over ten thousand weekly children (the per-child counts are what
 * {@link RangePlanner#weeks} reads from the server; that query is not timed here). Score: time per
 * plan. {@code ranges} is jobs x ranges-per-job: 16 is 4 x 4, 1024 far more than anyone runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RangePlannerBenchmark {
    static final int CHILDREN = 10_000;

    @Param({"16", "1024"})
    public int ranges;

    private List<RangePlanner.Week> weeks;

    @Setup
    public void setUp() {
        Random random = new Random(11);
        weeks = new ArrayList<>(CHILDREN);
        LocalDateTime monday = LocalDateTime.of(1900, 1, 1, 0, 0);
        for (int i = 0; i < CHILDREN; i++) {
            // Skewed like real history: a few busy weeks, many quiet ones.
            long rows = (long) Math.exp(random.nextDouble() * Math.log(2_000_000));
            LocalDateTime first = monday.plusWeeks(i).plusMinutes(random.nextInt(600));
            weeks.add(new RangePlanner.Week(String.format("test_run_w%05d", i), rows, first,
                    first.plusDays(6)));
        }
        // A week is never split, so two targets inside one busy week share a cut: a few fewer ranges.
        int made = RangePlanner.balanced(weeks, ranges).size();
        if (made < ranges * 9 / 10 || made > ranges) {
            throw new IllegalStateException("asked for " + ranges + " ranges, got " + made);
        }
    }

    @Benchmark
    public List<TimeRange> balanced() {
        return RangePlanner.balanced(weeks, ranges);
    }
}
