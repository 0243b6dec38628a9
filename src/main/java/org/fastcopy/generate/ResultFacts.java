package org.fastcopy.generate;

import java.util.SplittableRandom;

/**
 * What an MPI install or a test build was, as a pure function of (seed, id). A test run copies
 * the columns of its test build, and the build those of its MPI install, as MTT clients submit
 * them; computing them from the id means the worker generating a week of test runs needs neither
 * the other tables' rows nor any shared state. Holes (missing rows) have facts too, so a run that
 * points at a missing build still carries plausible columns.
 */
final class ResultFacts {
    /** The MPI build a client made and submitted. */
    record Install(long id, int submitId, int clusterId, int compilerId, int mpiGetId, int configureId,
                   long clientSerial) {
    }

    /** A test suite built against an install. */
    record Build(long id, long mpiInstallId, int suiteId, int compilerId, Install install) {
    }

    /** Installs a build chooses from: the client's latest few. */
    private static final int INSTALL_WINDOW = 8;

    private final long seed;
    private final double dangling;
    private final Dimensions dims;
    private final ResultPlan plan;

    ResultFacts(long seed, double dangling, Dimensions dims, ResultPlan plan) {
        this.seed = seed;
        this.dangling = dangling;
        this.dims = dims;
        this.plan = plan;
    }

    Install install(long id) {
        SplittableRandom rng = new SplittableRandom(Seeds.of(seed, "mpi_install.facts", id));
        int week = plan.mpiInstall.weekOf(id);
        // MPI versions follow time: an install of 2014 tests a 2014 snapshot, give or take.
        int center = (int) Math.round(plan.timeFraction(week) * (dims.mpiGets - 1));
        int spread = Math.max(2, dims.mpiGets / 20);
        int mpiGet = 1 + Math.floorMod(center + rng.nextInt(2 * spread + 1) - spread, dims.mpiGets);
        return new Install(id,
                Vocabulary.skewed(rng, dims.submits),
                Vocabulary.skewed(rng, dims.clusters),
                Vocabulary.skewed(rng, dims.compilers),
                mpiGet,
                1 + rng.nextInt(dims.configures),
                id);
    }

    Build build(long id) {
        SplittableRandom rng = new SplittableRandom(Seeds.of(seed, "test_build.facts", id));
        int week = plan.testBuild.weekOf(id);
        long installId = rng.nextDouble() < dangling
                ? plan.mpiInstall.holeNear(week, rng)
                : plan.mpiInstall.recent(week, rng, INSTALL_WINDOW);
        Install install = install(installId);
        // Most suites are built with the compiler that built MPI.
        int compiler = rng.nextInt(10) < 7 ? install.compilerId() : Vocabulary.skewed(rng, dims.compilers);
        return new Build(id, installId, dims.pickSuite(rng), compiler, install);
    }
}
