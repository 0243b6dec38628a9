package org.fastcopy.convert;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.Random;

/**
 * Text-format COPY rows shaped like {@link FlatTable#TEST_RUN}'s v3 SELECT (three leading ids, then
 * the joined dimension columns and the result columns), with ids that the maps of
 * {@link #maps} know, reproducible from a seed. Output text carries COPY's escapes (backslash-n,
 * backslash-t) as the server sends them.
 */
final class TestRunRows {
    static final int SUBMITS = 20_000;
    static final int INSTALLS = 5_000;
    static final int BUILDS = 50_000;

    private static final String[] NAMES = {"ring_c", "hello_c", "allreduce", "osu_bw", "IMB-MPI1 PingPong", "cxx_ring"};
    private static final String[] LINES = {
        "Process 0 sending 10 to 1, tag 201 (16 processes in ring)",
        "Hello, world, I am 3 of 16, (Open MPI v1.4.3, package: Open MPI mpiteam@svbu-mpi Distribution)",
        "# OSU MPI Bandwidth Test v3.1.1\\n# Size        Bandwidth (MB/s)",
        "[node-017:04242] mca: base: components_open: component pml / cm open function failed",
        "Rank 0 has completed ring\\tall tests passed",
        "Ökonomische Prüfung: ünï-東京 ok",
    };

    private TestRunRows() {
    }

    static byte[][] rows(int count, long seed) {
        Random random = new Random(seed);
        byte[][] rows = new byte[count][];
        LocalDateTime t = LocalDateTime.of(2011, 3, 1, 0, 0);
        for (int i = 0; i < count; i++) {
            t = t.plusSeconds(1 + random.nextInt(90));
            int np = 1 << random.nextInt(6);
            StringBuilder row = new StringBuilder(512)
                    .append(1_000_000 + i).append('\t')
                    // an occasional sentinel or dangling id, as real data has them
                    .append(random.nextInt(100) == 0 ? 0 : 1 + random.nextInt(SUBMITS)).append('\t')
                    .append(random.nextInt(200) == 0 ? BUILDS + 7 : 1 + random.nextInt(BUILDS)).append('\t')
                    .append(NAMES[random.nextInt(NAMES.length)]).append('\t')
                    .append("\\N\t")
                    .append("mpirun\tslurm\t--mca btl tcp,self\ttcp\t")
                    .append(np).append('\t')
                    .append("mpirun -np ").append(np).append(" --mca btl tcp,self ./").append(NAMES[0]).append('\t')
                    .append("nightly run").append('\t')
                    .append(t).append('\t').append(t.plusMinutes(5)).append('\t')
                    .append("00:00:").append(10 + random.nextInt(50)).append('\t')
                    .append(random.nextBoolean() ? 't' : 'f').append('\t')
                    .append(random.nextInt(4)).append('\t')
                    .append("OMPI_MCA_btl=tcp,self").append('\t');
            int lines = random.nextInt(12);
            for (int l = 0; l < lines; l++) {
                row.append(LINES[random.nextInt(LINES.length)]).append("\\n");
            }
            row.append('\t')
                    .append(random.nextInt(10) == 0 ? LINES[3] : "").append('\t')
                    .append("\\N\t")
                    .append(random.nextBoolean() ? 't' : 'f').append('\t')
                    .append(random.nextInt(10) == 0 ? 1 : 0).append('\t')
                    .append(-1).append('\n');
            rows[i] = row.toString().getBytes(StandardCharsets.UTF_8);
        }
        return rows;
    }

    /** Maps for every v3 id the rows use (flat ids offset, so a mapped id is visibly not the old one). */
    static IdMaps maps() {
        IdMaps maps = new IdMaps(SUBMITS, INSTALLS, BUILDS);
        maps.submit.put(0, 0);
        for (long s = 1; s <= SUBMITS; s++) {
            maps.submit.put(s, 500_000 + s);
        }
        for (long b = 1; b <= BUILDS; b++) {
            maps.build.put(b, 700_000 + b);
            maps.buildInstall.put(700_000 + b, 900_000 + b % INSTALLS);
        }
        return maps;
    }

    static double meanLength(byte[][] rows) {
        long sum = 0;
        for (byte[] r : rows) {
            sum += r.length;
        }
        return (double) sum / rows.length;
    }
}
