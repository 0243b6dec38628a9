package org.fastcopy.convert;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The convert transform of one test_run row: decode the v3 COPY text row, map submit and build ids
 * (and the build's install) through the in-memory maps, encode the flat row into the stream's
 * buffer. One operation is one row, so the score is <b>rows/s</b> on one thread.
 *
 * <ul>
 *   <li>{@code rowTransform}: fastcopy's {@link RowTransform} with {@link IdMaps}, handing its buffer
 *       over at 64 KiB as {@link TransformPipe} does; parses only the leading ids and copies the
 *       rest of the row as bytes.</li>
 *   <li>{@code stringSplit}: the obvious alternative: decode the row to a String, split it on tabs,
 *       parse and map the same ids through the same maps, join the fields and encode to UTF-8.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ConvertTransformBenchmark {
    private static final int ROWS = 4096;
    private static final int BUFFER = 1 << 16;

    private byte[][] rows;
    private IdMaps maps;
    private RowTransform transform;
    private byte[] spare;
    private byte[] out;
    private int outLen;

    @Setup(Level.Trial)
    public void setUp() {
        rows = TestRunRows.rows(ROWS, 7);
        maps = TestRunRows.maps();
        transform = new RowTransform(FlatTable.TEST_RUN, maps, 0, -1);
        transform.swap(new byte[BUFFER]);
        spare = new byte[BUFFER];
        out = new byte[BUFFER];
        checkBothAgree();
        System.out.printf("%n%d test_run rows, mean %.0f bytes%n", ROWS, TestRunRows.meanLength(rows));
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public int rowTransform() {
        for (byte[] row : rows) {
            transform.transform(row, row.length);
            if (transform.length() >= BUFFER - 512) {
                spare = transform.swap(spare);
            }
        }
        return transform.length();
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public int stringSplit() {
        for (byte[] row : rows) {
            byte[] bytes = splitRow(row);
            if (outLen + bytes.length > out.length) {
                outLen = 0;
            }
            System.arraycopy(bytes, 0, out, outLen, bytes.length);
            outLen += bytes.length;
        }
        return outLen;
    }

    private byte[] splitRow(byte[] row) {
        String line = new String(row, 0, row.length - 1, StandardCharsets.UTF_8);
        String[] f = line.split("\t", -1);
        long submit = maps.submit.get(Long.parseLong(f[1]), IdMaps.MISSING);
        long build = maps.build.get(Long.parseLong(f[2]), IdMaps.MISSING);
        long install = build == IdMaps.MISSING ? 0 : maps.buildInstall.get(build, 0);
        StringBuilder flat = new StringBuilder(line.length() + 40)
                .append(f[0]).append('\t')
                .append(submit == IdMaps.MISSING ? 0 : submit).append('\t')
                .append(install).append('\t')
                .append(build == IdMaps.MISSING ? 0 : build);
        for (int i = 3; i < f.length; i++) {
            flat.append('\t').append(f[i]);
        }
        return flat.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Both ways must write the same flat rows, or the comparison means nothing. */
    private void checkBothAgree() {
        RowTransform check = new RowTransform(FlatTable.TEST_RUN, maps, 0, -1);
        for (byte[] row : rows) {
            check.swap(new byte[BUFFER]);
            check.transform(row, row.length);
            byte[] expected = splitRow(row);
            if (!java.util.Arrays.equals(check.buffer(), 0, check.length(), expected, 0, expected.length)) {
                throw new IllegalStateException("RowTransform and split disagree on: "
                        + new String(row, StandardCharsets.UTF_8));
            }
        }
    }
}
