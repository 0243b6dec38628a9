package org.fastcopy.generate;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * How fast the generator turns a test_run-shaped row into COPY text bytes: the generator's
 * own CPU cost per row, which must stay well below what the server spends loading the row.
 * Rows per second = 1e9 / (ns per op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CopyTextEncodingBenchmark {
    private CopyTextRows buffer;
    private long bytes;
    private String stdout;
    private String stderr;

    @Setup
    public void setUp(Blackhole hole) {
        buffer = new CopyTextRows((b, n) -> {
            bytes += n;
            hole.consume(b);
        });
        stdout = "Hello from rank 0 of 16 on node ünï-東京\tcheck\\passed\n".repeat(6);
        stderr = "";
    }

    @Benchmark
    public long testRunRow() throws SQLException {
        buffer.add(123456789L).add(42).addTimestamp(1_300_000_000L).add(1).addBoolean(false)
                .addTimestamp(1_300_000_100L).addInterval(95).add(17).addText(stdout).addText(stderr).add(3)
                .addBoolean(true).add(0).add(-1).add(77).add(88).add(99).addNull().add(5).add(16)
                .addText("mpirun -np 16 --mca btl tcp,self ./ring_c");
        buffer.endRow();
        return bytes;
    }
}
