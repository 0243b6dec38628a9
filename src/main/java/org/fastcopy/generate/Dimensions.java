package org.fastcopy.generate;

import java.util.List;
import java.util.SplittableRandom;

/**
 * How many rows each dimension table gets at a scale, and the few dimension values the result
 * rows need to stay consistent with (which suite a test name belongs to, what a run command looks
 * like). Counts grow with the scale but have a floor, so a tiny test database still has a few
 * dozen clusters, compilers and MPI versions to vary over.
 */
final class Dimensions {
    final int clusters;
    final int submits;
    final int compilers;
    final int mpiGets;
    final int configures;
    final int descriptions;
    final int environments;
    final int messages;
    final int testNames;
    final int latencyBandwidths;
    final int commands;
    final int networkGroups;

    /** Per suite id (1-based; 0 is the sentinel): its first test_name_id and how many it has. */
    final int[] suiteFirstName;
    final int[] suiteNameCount;
    /** Per test_name_id: the name and its suite. */
    final String[] testName;
    final int[] testNameSuite;
    /** Per test_run_command_id: how the test was launched. */
    final String[] commandLine;
    /** Per test_run_network_id: the interconnects (1-based ids) the network used. */
    final int[][] networkInterconnects;
    /** Cumulative suite weights, to pick the suite of a test build. */
    private final int[] suiteWeightsCumulative;

    Dimensions(long seed, double scale) {
        clusters = count(scale, 400, 40);
        submits = count(scale, 3_000, 60);
        compilers = count(scale, 300, 30);
        mpiGets = count(scale, 600, 40);
        configures = count(scale, 4_000, 60);
        descriptions = count(scale, 30_000, 200);
        environments = count(scale, 30_000, 200);
        messages = count(scale, 60_000, 400);
        testNames = Math.max(count(scale, 9_000, 300), Vocabulary.SUITES.size() * 3);
        latencyBandwidths = count(scale, 20_000, 40);
        commands = count(scale, 30_000, 200);
        networkGroups = 40;

        List<Vocabulary.Suite> suites = Vocabulary.SUITES;
        suiteFirstName = new int[suites.size() + 1];
        suiteNameCount = new int[suites.size() + 1];
        suiteWeightsCumulative = new int[suites.size() + 1];
        int totalWeight = suites.stream().mapToInt(Vocabulary.Suite::weight).sum();
        testName = new String[testNames + 1];
        testNameSuite = new int[testNames + 1];
        testName[0] = "undef";
        int next = 1;
        for (int s = 1; s <= suites.size(); s++) {
            Vocabulary.Suite suite = suites.get(s - 1);
            suiteWeightsCumulative[s] = suiteWeightsCumulative[s - 1] + suite.weight();
            int n = s == suites.size() ? testNames - next + 1
                    : Math.max(3, (int) ((long) testNames * suite.weight() / totalWeight));
            n = Math.min(n, testNames - next + 1 - 3 * (suites.size() - s));
            suiteFirstName[s] = next;
            suiteNameCount[s] = n;
            for (int k = 0; k < n; k++) {
                testName[next + k] = testNameOf(suite, k);
                testNameSuite[next + k] = s;
            }
            next += n;
        }

        SplittableRandom rng = new SplittableRandom(Seeds.of(seed, "test_run_networks", 0));
        networkInterconnects = new int[networkGroups + 1][];
        networkInterconnects[0] = new int[0];
        for (int g = 1; g <= networkGroups; g++) {
            int size = 1 + rng.nextInt(3);
            int[] ids = new int[size];
            int first = 1 + rng.nextInt(Vocabulary.INTERCONNECTS.length);
            for (int k = 0; k < size; k++) {
                // Consecutive ids modulo the list: distinct by construction.
                ids[k] = 1 + (first - 1 + k) % Vocabulary.INTERCONNECTS.length;
            }
            networkInterconnects[g] = ids;
        }

        rng = new SplittableRandom(Seeds.of(seed, "test_run_command.line", 0));
        commandLine = new String[commands + 1];
        commandLine[0] = "undef";
        for (int c = 1; c <= commands; c++) {
            StringBuilder line = new StringBuilder(Vocabulary.pick(rng, Vocabulary.LAUNCHERS));
            int params = rng.nextInt(4);
            for (int p = 0; p < params; p++) {
                line.append(' ').append(Vocabulary.pick(rng, Vocabulary.MCA_PARAMS));
            }
            commandLine[c] = line.toString();
        }
    }

    int suites() {
        return Vocabulary.SUITES.size();
    }

    /** Rows in the network table: one per (network, interconnect). */
    int networkRows() {
        int rows = 0;
        for (int g = 1; g <= networkGroups; g++) {
            rows += networkInterconnects[g].length;
        }
        return rows;
    }

    /** A suite id, weighted by how much of the testing the suite is. */
    int pickSuite(SplittableRandom rng) {
        int r = rng.nextInt(suiteWeightsCumulative[suites()]);
        for (int s = 1; s <= suites(); s++) {
            if (r < suiteWeightsCumulative[s]) {
                return s;
            }
        }
        throw new IllegalStateException("suite weights do not add up");
    }

    /** A test name of the suite; the first names of a suite run more often. */
    int pickTestName(SplittableRandom rng, int suite) {
        return suiteFirstName[suite] - 1 + Vocabulary.skewed(rng, suiteNameCount[suite]);
    }

    boolean isPerformanceSuite(int suite) {
        return Vocabulary.SUITES.get(suite - 1).performance();
    }

    /**
     * A result message matching the result: message ids are dealt round-robin over the four
     * outcomes (id % 4 == test_result), so a pass never says "Timed out".
     */
    int pickMessage(SplittableRandom rng, int testResult) {
        int first = testResult == 0 ? 4 : testResult;
        int choices = (messages - first) / 4 + 1;
        return first + 4 * (Vocabulary.skewed(rng, choices) - 1);
    }

    private static String testNameOf(Vocabulary.Suite suite, int k) {
        String[] words = Vocabulary.TEST_WORDS;
        String word = words[k % words.length];
        int round = k / words.length;
        String name = suite.performance() ? "perf_" + word : word;
        return round == 0 ? name : name + "_" + round;
    }

    private static int count(double scale, int atScaleOne, int floor) {
        return (int) Math.max(floor, Math.round(atScaleOne * scale));
    }
}
