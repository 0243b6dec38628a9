package org.fastcopy.generate;

import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The rows of one weekly child of one result table. Each (table, week) has its own random stream,
 * and everything a row copies from its build or install comes from {@link ResultFacts}, so a week
 * generates the same rows whichever worker loads it and whenever.
 */
final class ResultRows {
    /** Builds a test run chooses from: the client's latest few dozen. */
    private static final int BUILD_WINDOW = 48;
    private static final int[] NP = {1, 2, 2, 4, 4, 4, 8, 8, 8, 16, 16, 32, 64, 128, 3, 6, 12};

    private final long seed;
    private final double dangling;
    private final Dimensions dims;
    private final ResultPlan plan;
    private final ResultFacts facts;
    private final DanglingCounts danglingCounts;

    ResultRows(long seed, double dangling, Dimensions dims, ResultPlan plan, DanglingCounts danglingCounts) {
        this.seed = seed;
        this.dangling = dangling;
        this.dims = dims;
        this.plan = plan;
        this.facts = new ResultFacts(seed, dangling, dims, plan);
        this.danglingCounts = danglingCounts;
    }

    CopyLoader.RowSource rowsOf(ResultTable table, int week) {
        return out -> {
            SplittableRandom rng = new SplittableRandom(Seeds.of(seed, table.table(), week));
            long first = plan.ids(table).firstId(week);
            long count = plan.ids(table).count(week);
            StringBuilder scratch = new StringBuilder(1024);
            Map<Long, ResultFacts.Build> builds = new HashMap<>();
            for (long id = first; id < first + count; id++) {
                switch (table) {
                    case MPI_INSTALL -> installRow(out, rng, week, id, scratch);
                    case TEST_BUILD -> buildRow(out, rng, week, id, scratch);
                    case TEST_RUN -> runRow(out, rng, week, id, scratch, builds);
                }
                out.endRow();
            }
        };
    }

    /** The row with id 0 each parent holds: every reference at the sentinel. */
    static CopyLoader.RowSource sentinel(ResultTable table) {
        return out -> {
            out.add(0);
            for (Column c : table.ownColumns()) {
                switch (c.name()) {
                    case "np" -> out.add(0);
                    case "full_command" -> out.addText("");
                    default -> out.add(0);
                }
            }
            // The start of the epoch: older than any week, so no child and no rule claims it.
            out.add(0).addTimestamp(0).add(0).addBoolean(false).addTimestamp(0).addInterval(0).add(0)
                    .addText("").addText("").add(0).addBoolean(false).add(0).add(-1).add(0);
            out.endRow();
        };
    }

    private void installRow(CopyTextRows out, SplittableRandom rng, int week, long id, StringBuilder scratch)
            throws SQLException {
        ResultFacts.Install install = facts.install(id);
        out.add(id);
        installColumns(out, install);
        int result = rng.nextInt(100) < 93 ? 1 : 0;
        scratch.setLength(0);
        OutputText.installStdout(scratch, rng);
        fields(out, rng, week, result, 300 + rng.nextInt(3300), scratch, install.clientSerial());
    }

    private void buildRow(CopyTextRows out, SplittableRandom rng, int week, long id, StringBuilder scratch)
            throws SQLException {
        ResultFacts.Build build = facts.build(id);
        if (plan.mpiInstall.isHole(build.mpiInstallId())) {
            danglingCounts.buildToInstall();
        }
        out.add(id);
        installColumns(out, build.install());
        out.add(build.mpiInstallId()).add(build.suiteId()).add(build.compilerId());
        int result = rng.nextInt(100) < 90 ? 1 : 0;
        scratch.setLength(0);
        OutputText.buildStdout(scratch, rng);
        fields(out, rng, week, result, 10 + rng.nextInt(600), scratch, build.install().clientSerial());
    }

    private void runRow(CopyTextRows out, SplittableRandom rng, int week, long id, StringBuilder scratch,
                        Map<Long, ResultFacts.Build> builds) throws SQLException {
        long buildId = rng.nextDouble() < dangling
                ? plan.testBuild.holeNear(week, rng)
                : plan.testBuild.recent(week, rng, BUILD_WINDOW);
        ResultFacts.Build build = builds.computeIfAbsent(buildId, facts::build);
        if (plan.testBuild.isHole(buildId)) {
            danglingCounts.runToBuild();
        }
        if (plan.mpiInstall.isHole(build.mpiInstallId())) {
            danglingCounts.runToInstall();
        }
        int suite = build.suiteId();
        int testName = dims.pickTestName(rng, suite);
        int command = Vocabulary.skewed(rng, dims.commands);
        int np = NP[rng.nextInt(NP.length)];
        boolean performance = dims.isPerformanceSuite(suite);
        String test = dims.testName[testName];

        out.add(id);
        installColumns(out, build.install());
        out.add(build.mpiInstallId()).add(suite).add(build.compilerId()).add(buildId).add(testName);
        if (performance) {
            out.add(1 + rng.nextInt(dims.latencyBandwidths));
        } else {
            out.addNull();
        }
        out.add(command).add(np);
        scratch.setLength(0);
        scratch.append(dims.commandLine[command]).append(" -np ").append(np).append(" ./").append(test);
        out.addText(scratch);

        int result = runResult(rng);
        scratch.setLength(0);
        OutputText.testRunStdout(scratch, rng, np, test, performance);
        long duration = result == 3 ? 600 + rng.nextInt(1200) : 1 + (long) (120 * Math.pow(rng.nextDouble(), 3));
        fields(out, rng, week, result, duration, scratch, build.install().clientSerial());
    }

    private static void installColumns(CopyTextRows out, ResultFacts.Install install) {
        out.add(install.submitId()).add(install.clusterId()).add(install.compilerId()).add(install.mpiGetId())
                .add(install.configureId());
    }

    /** The results_fields columns, in their declared order. */
    private void fields(CopyTextRows out, SplittableRandom rng, int week, int result, long duration,
                        CharSequence stdout, long clientSerial) {
        Week w = plan.weeks.get(week);
        long start = w.start().toEpochSecond(ZoneOffset.UTC) + rng.nextLong(w.seconds());
        out.add(Vocabulary.skewed(rng, dims.descriptions));
        out.addTimestamp(start);
        out.add(result);
        int trial = rng.nextInt(100);
        if (trial == 0) {
            out.addNull();
        } else {
            out.addBoolean(trial < 3);
        }
        // Clients submit after the test finished, sometimes in a batch an hour later.
        out.addTimestamp(start + duration + rng.nextInt(rng.nextInt(4) == 0 ? 3600 : 30));
        out.addInterval(duration);
        out.add(Vocabulary.skewed(rng, dims.environments));
        out.addText(stdout);
        StringBuilder stderr = new StringBuilder();
        OutputText.testRunStderr(stderr, rng, result);
        out.addText(stderr);
        out.add(dims.pickMessage(rng, result));
        out.addBoolean(rng.nextInt(10) < 3);
        out.add(switch (result) {
            case 1 -> 0;
            case 2 -> 77;
            case 3 -> 1;
            default -> rng.nextInt(4) == 0 ? 1 + rng.nextInt(255) : 1;
        });
        out.add(result == 3 ? 9 : result == 0 && rng.nextInt(5) == 0 ? 11 : -1);
        out.add(clientSerial);
    }

    private static int runResult(SplittableRandom rng) {
        int r = rng.nextInt(100);
        if (r < 85) {
            return 1;
        }
        if (r < 93) {
            return 0;
        }
        return r < 97 ? 2 : 3;
    }
}
