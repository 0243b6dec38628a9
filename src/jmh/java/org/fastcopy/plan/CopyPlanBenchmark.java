package org.fastcopy.plan;

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

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The copy's chunk planner, {@link CopyPlan#of}, on the catalogue {@link SourceCatalog} would read
 * from an MTT database with ten thousand weekly test_run children (plus the dimension tables):
 * one unit per table, ctid chunks for tables above {@code --split-larger-than}, sorted largest
 * first. Score: time per plan. 1 GiB is the default split size; 64 MiB cuts several thousand chunks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CopyPlanBenchmark {
    static final int CHILDREN = 10_000;
    private static final List<String> COLUMNS = List.of("test_run_id", "submit_id", "test_build_id", "test_name_id",
            "np", "full_command", "start_timestamp", "duration", "test_result", "result_stdout", "result_stderr",
            "exit_value", "exit_signal");

    @Param({"1073741824", "67108864"})
    public long splitLargerThan;

    private List<SourceTable> tables;

    @Setup
    public void setUp() {
        Random random = new Random(13);
        tables = new ArrayList<>(CHILDREN + 40);
        for (int i = 0; i < CHILDREN; i++) {
            // 8 KiB to 4 GiB, log-uniform: most weeks small, a few above the split size.
            long pages = (long) Math.exp(random.nextDouble() * Math.log(512 * 1024));
            tables.add(new SourceTable(100_000 + i, "public", String.format("test_run_w%05d", i), pages * 8192,
                    pages, pages * 60.0, COLUMNS));
        }
        for (int i = 0; i < 40; i++) {
            tables.add(new SourceTable(50_000 + i, "public", "dimension_" + i, 8192L * (1 + i * i), 1 + i * i,
                    100.0 * i, List.of("id", "name")));
        }
    }

    @Benchmark
    public CopyPlan plan() {
        return CopyPlan.of(tables, splitLargerThan);
    }
}
