package org.fastcopy.generate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * References to a missing result row, counted while the rows are generated, per referencing
 * column. Workers add concurrently.
 */
final class DanglingCounts {
    static final String BUILD_TO_INSTALL = "test_build.mpi_install_id";
    static final String RUN_TO_BUILD = "test_run.test_build_id";
    static final String RUN_TO_INSTALL = "test_run.mpi_install_id";

    private final LongAdder buildToInstall = new LongAdder();
    private final LongAdder runToBuild = new LongAdder();
    private final LongAdder runToInstall = new LongAdder();

    void buildToInstall() {
        buildToInstall.increment();
    }

    void runToBuild() {
        runToBuild.increment();
    }

    void runToInstall() {
        runToInstall.increment();
    }

    Map<String, Long> snapshot() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put(BUILD_TO_INSTALL, buildToInstall.sum());
        counts.put(RUN_TO_BUILD, runToBuild.sum());
        counts.put(RUN_TO_INSTALL, runToInstall.sum());
        return counts;
    }
}
