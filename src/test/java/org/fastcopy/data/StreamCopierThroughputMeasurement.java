package org.fastcopy.data;

import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;

import java.io.OutputStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Throughput of one stream on a ~200 MB table, BINARY against TEXT. Minutes, not seconds, so only
 * on request (surefire's default run takes *Test classes only):
 * {@code mvn test -Dtest=StreamCopierThroughputMeasurement}.
 */
@ExtendWith(ClusterExtension.class)
class StreamCopierThroughputMeasurement {
    private static final List<String> COLUMNS = List.of("id", "ts", "a", "b", "amount", "x", "label", "flag");
    private static final String DDL = "(id bigint, ts timestamptz, a int, b int, amount numeric(12,2),"
            + " x double precision, label text, flag boolean)";

    @Test
    void binaryAgainstTextOnATwoHundredMegabyteTable(TestClusters clusters) throws SQLException {
        String sourceDb = clusters.createDatabase(clusters.flux1(), "data_perf_src").database();
        String targetDb = clusters.createDatabase(clusters.flux2(), "data_perf_dst").database();
        Pg.run(clusters, clusters.flux1(), sourceDb, "CREATE TABLE measured " + DDL,
                "INSERT INTO measured SELECT g, timestamptz '2012-03-01' + g * interval '1 s', g % 100000,"
                        + " (g * 7) % 1000, (g % 100000) / 100.0, g / 3.0, 'test run ' || md5(g::text), g % 2 = 0"
                        + " FROM generate_series(1, 2000000) g",
                "VACUUM ANALYZE measured");
        Pg.run(clusters, clusters.flux2(), targetDb, "CREATE TABLE measured " + DDL);
        CopyUnit unit = CopyUnit.table("public", "measured", COLUMNS);
        try (Connection src = Pg.source(clusters, sourceDb); Connection dst = Pg.target(clusters, targetDb)) {
            long tableBytes = Pg.number(src, "SELECT pg_relation_size('measured')");
            System.out.printf("table: %.1f MB on disk%n", tableBytes / 1e6);
            measureReadOnly(src, "COPY measured TO STDOUT WITH (FORMAT binary)");
            measureReadOnly(src, "COPY (SELECT * FROM ONLY measured) TO STDOUT WITH (FORMAT binary)");
            StreamCopier copier = new StreamCopier(1);
            for (boolean freeze : new boolean[] {false, true}) {
                for (CopyFormat format : CopyFormat.values()) {
                    CopyUnit into = unit;
                    if (freeze) {
                        // fastcopy's load path: a table created (or truncated) in the loading
                        // transaction takes FREEZE, and with wal_level minimal skips WAL.
                        Pg.exec(dst, "CREATE TABLE measured_load " + DDL);
                        into = unit.withTarget("public", "measured_load");
                    }
                    long cpu0 = jvmCpuNanos();
                    CopyResult r = copier.copy(into, src, dst, format, freeze);
                    double jvmCpu = (jvmCpuNanos() - cpu0) / 1e9;
                    assertThat(r.rows()).isEqualTo(2_000_000);
                    dst.rollback();
                    System.out.printf("%-6s %-9s: %5.2f s, wire %6.1f MB = %6.1f MB/s, table %6.1f MB/s,"
                                    + " ring max %d/64, reader waited %.2f s, JVM CPU %.2f s%n", format,
                            freeze ? "new+FREEZE" : "existing", r.nanos() / 1e9, r.bytes() / 1e6,
                            r.megabytesPerSecond(), tableBytes / 1e6 / (r.nanos() / 1e9), r.maxRingFill(),
                            r.ringFullNanos() / 1e9, jvmCpu);
                }
            }
            src.rollback();
        }
    }

    /** CPU time of this JVM (reader, writer, GC, everything): what the engine itself costs. */
    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The source alone, into nothing: what the whole-table and the query form of COPY cost. */
    private static void measureReadOnly(Connection src, String sql) throws SQLException {
        long t0 = System.nanoTime();
        long bytes;
        try {
            CountingSink sink = new CountingSink();
            src.unwrap(PGConnection.class).getCopyAPI().copyOut(sql, sink);
            bytes = sink.count;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("source only, %s: %.2f s, %.1f MB/s%n", sql, s, bytes / 1e6 / s);
    }

    private static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
