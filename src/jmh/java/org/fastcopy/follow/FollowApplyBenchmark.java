package org.fastcopy.follow;

import org.fastcopy.data.InMemoryCopy;
import org.fastcopy.follow.decode.PgOutputDecoder;
import org.fastcopy.follow.decode.PgOutputMessage;
import org.fastcopy.follow.decode.TupleData;
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

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The follower's own CPU per streamed INSERT of a test_run-shaped row, apart from the servers':
 * decoding the pgoutput message ({@link PgOutputDecoder}) and writing its values as COPY text
 * ({@link InsertCopy#row}, the escape scan), into {@link InMemoryCopy.Sink}, which counts the bytes. bench/follow
 * measures the JVM's whole CPU per 100,000 changes (1.2-1.3 s at 1,795 tables, 2026-12-07); this
 * says how much of it these two steps are, for a short and a long result_stdout.
 *
 * <p>Forked with {@code -XX:TieredStopAtLevel=1}, as {@code bin/fastcopy} runs the follower; add
 * {@code -jvmArgsAppend -XX:TieredStopAtLevel=4} on the command line to see C2's figures.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "-XX:TieredStopAtLevel=1")
public class FollowApplyBenchmark {
    /** Bytes of result_stdout: a typical short one, and a long one like the bench's newest rows. */
    @Param({"200", "20000"})
    public int stdoutBytes;

    private ByteBuffer message;
    private TupleData tuple;
    private List<Integer> cols;
    private InMemoryCopy.Sink sink;
    private InsertCopy copy;

    @Setup
    public void setUp() throws IOException {
        String line = "Hello from rank 0 of 16 on node ünï-東京\tcheck\\passed\n";
        String stdout = line.repeat(stdoutBytes / line.getBytes(StandardCharsets.UTF_8).length + 1);
        // test_run's columns in pgoutput's text form, as the stream sends a row of it
        String[] values = {"123456789", "42", "2026-12-07 03:49:09", "1", "f", "2026-12-07 03:50:11.5", "00:01:35",
            "17", stdout, "", "3", "t", "0", "-1", "77", "88", "99", null, "5", "16",
            "mpirun -np 16 --mca btl tcp,self ./ring_c"};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte('I');
        out.writeInt(16_385);
        out.writeByte('N');
        out.writeShort(values.length);
        for (String v : values) {
            if (v == null) {
                out.writeByte('n');
            } else {
                byte[] b = v.getBytes(StandardCharsets.UTF_8);
                out.writeByte('t');
                out.writeInt(b.length);
                out.write(b);
            }
        }
        message = ByteBuffer.wrap(bytes.toByteArray());
        tuple = ((PgOutputMessage.Insert) PgOutputDecoder.decode(message.duplicate())).newTuple();
        cols = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            cols.add(i);
        }
        sink = new InMemoryCopy.Sink().restart();
        copy = InsertCopy.over(sink, 16_385, cols);
    }

    @Benchmark
    public PgOutputMessage decode() {
        return PgOutputDecoder.decode(message.duplicate());
    }

    @Benchmark
    public long encode() throws Exception {
        copy.row(tuple, cols);
        return sink.bytes();
    }
}
