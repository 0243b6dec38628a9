package org.fastcopy.generate;

import java.util.SplittableRandom;

/**
 * A latency/bandwidth sweep as production stores it: seven parallel arrays over message sizes
 * 0, 1, 2, 4, ... bytes. Latency is a start-up cost plus size over peak bandwidth, with noise, so
 * the numbers look like a NetPIPE or IMB run and not like noise.
 */
final class PerformanceArrays {
    private PerformanceArrays() {
    }

    /** Writes the seven array columns (message_size, bandwidth min/max/avg, latency min/max/avg). */
    static void write(CopyTextRows out, SplittableRandom rng) {
        int points = 17 + rng.nextInt(7);
        long[] sizes = new long[points];
        for (int p = 1; p < points; p++) {
            sizes[p] = 1L << (p - 1);
        }
        double startup = 0.8 + rng.nextDouble() * 60;
        double peak = 100 + rng.nextDouble() * 6000;
        double[] latAvg = new double[points];
        double[] latMin = new double[points];
        double[] latMax = new double[points];
        for (int p = 0; p < points; p++) {
            latAvg[p] = (startup + sizes[p] / peak) * (1 + 0.05 * rng.nextDouble());
            latMin[p] = latAvg[p] * (0.9 + 0.1 * rng.nextDouble());
            latMax[p] = latAvg[p] * (1 + 0.5 * rng.nextDouble());
        }
        StringBuilder sizeText = new StringBuilder("{");
        for (int p = 0; p < points; p++) {
            sizeText.append(p == 0 ? "" : ",").append(sizes[p]);
        }
        out.addPlain(sizeText.append('}'));
        // Bandwidth in MB/s: the best bandwidth goes with the smallest latency.
        out.addPlain(array(sizes, latMax, true));
        out.addPlain(array(sizes, latMin, true));
        out.addPlain(array(sizes, latAvg, true));
        out.addPlain(array(sizes, latMin, false));
        out.addPlain(array(sizes, latMax, false));
        out.addPlain(array(sizes, latAvg, false));
    }

    private static StringBuilder array(long[] sizes, double[] latency, boolean bandwidth) {
        StringBuilder sb = new StringBuilder(latency.length * 10).append('{');
        for (int p = 0; p < latency.length; p++) {
            if (p > 0) {
                sb.append(',');
            }
            Texts.appendFixed3(sb, bandwidth ? sizes[p] / latency[p] : latency[p]);
        }
        return sb.append('}');
    }
}
