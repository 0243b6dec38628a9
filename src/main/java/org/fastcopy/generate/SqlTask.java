package org.fastcopy.generate;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A unit of work for {@link SqlWorkers}: one table to load or index, on whichever worker's
 * connection takes it.
 *
 * @param name   what the task works on, for progress and errors ("load test_run_y2012_m03_wk2")
 * @param weight expected cost; heavier tasks start first so the last ones to finish are small
 * @param action the work; runs on a connection in autocommit mode
 */
record SqlTask(String name, long weight, Action action) {

    @FunctionalInterface
    interface Action {
        void run(Connection connection) throws SQLException;
    }
}
