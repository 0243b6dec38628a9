package org.fastcopy.convert;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One flat table's conversion: the v3 SELECT (joins to the dimensions, always LEFT so no row is
 * dropped) and the flat COPY column list, in matching order. The SELECT's leading columns are the
 * ids the transform rewrites ({@link #leadingIds}); the rest passes through byte for byte.
 */
enum FlatTable {
    SUBMIT("submit", "submit_id",
            "SELECT r.submit_id, r.hostname, r.local_username, r.http_username, r.mtt_client_version FROM submit r",
            "submit_id, old_submit_id, hostname, local_username, http_username, mtt_client_version", 1),
    MPI_INSTALL("mpi_install", "mpi_install_id",
            "SELECT r.mpi_install_id, r.submit_id, cc.platform_name, cc.platform_hardware, cc.platform_type, cc.os_name, "
                    + "cc.os_version, mg.mpi_name, mg.mpi_version, c.compiler_name, c.compiler_version, ca.vpath_mode, "
                    + "ca.bitness, ca.endian, ca.configure_arguments, " + Fields.SELECT + " FROM mpi_install r"
                    + " LEFT JOIN compute_cluster cc ON cc.compute_cluster_id = r.compute_cluster_id"
                    + " LEFT JOIN mpi_get mg ON mg.mpi_get_id = r.mpi_get_id"
                    + " LEFT JOIN compiler c ON c.compiler_id = r.mpi_install_compiler_id"
                    + " LEFT JOIN mpi_install_configure_args ca ON ca.mpi_install_configure_id = r.mpi_install_configure_id"
                    + Fields.JOINS,
            "mpi_install_id, old_mpi_install_id, submit_id, platform_name, platform_hardware, platform_type, os_name, "
                    + "os_version, mpi_name, mpi_version, compiler_name, compiler_version, vpath_mode, bitness, endian, "
                    + "configure_arguments, " + Fields.COLUMNS, 2),
    TEST_BUILD("test_build", "test_build_id",
            "SELECT r.test_build_id, r.submit_id, r.mpi_install_id, c.compiler_name, c.compiler_version, "
                    + "ts.suite_name, ts.test_suite_description, " + Fields.SELECT + " FROM test_build r"
                    + " LEFT JOIN compiler c ON c.compiler_id = r.test_build_compiler_id"
                    + " LEFT JOIN test_suites ts ON ts.test_suite_id = r.test_suite_id"
                    + Fields.JOINS,
            "test_build_id, old_test_build_id, submit_id, mpi_install_id, compiler_name, compiler_version, "
                    + "test_suite_name, test_suite_description, " + Fields.COLUMNS, 3),
    /** The flat test_run id comes from its serial default: nothing refers to it, so no map is needed. */
    TEST_RUN("test_run", "test_run_id",
            "SELECT r.test_run_id, r.submit_id, r.test_build_id, tn.test_name, tn.test_name_description, trc.launcher, "
                    + "trc.resource_mgr, trc.parameters, trc.network, r.np, r.full_command, " + Fields.SELECT
                    + " FROM test_run r"
                    + " LEFT JOIN test_names tn ON tn.test_name_id = r.test_name_id"
                    + " LEFT JOIN test_run_command trc ON trc.test_run_command_id = r.test_run_command_id"
                    + Fields.JOINS,
            "old_test_run_id, submit_id, mpi_install_id, test_build_id, test_name, test_name_description, launcher, "
                    + "resource_mgr, parameters, network, np, full_command, " + Fields.COLUMNS, 3);

    final String table;
    final String idColumn;
    final String select;
    final String flatColumns;
    final int leadingIds;
    /** The v3 columns the SELECT reads from r, for the branches of {@link #copyOutOf}. */
    private final String rowColumns;

    FlatTable(String table, String idColumn, String select, String flatColumns, int leadingIds) {
        this.table = table;
        this.idColumn = idColumn;
        this.select = select;
        this.flatColumns = flatColumns;
        this.leadingIds = leadingIds;
        Set<String> columns = new LinkedHashSet<>();
        Matcher m = Fields.ROW_COLUMN.matcher(select);
        while (m.find()) {
            columns.add("r." + m.group(1));
        }
        this.rowColumns = String.join(", ", columns);
    }

    /** COPY of this table's v3 rows matching {@code where} (over alias r), never the v3 sentinel 0. */
    String copyOut(String where) {
        return "COPY (" + select + " WHERE r." + idColumn + " <> 0" + (where.isEmpty() ? "" : " AND " + where)
                + ") TO STDOUT";
    }

    /**
     * The COPY over the given relations only ("ONLY child" items) instead of the parent, so the
     * query plans, locks and scans just those (see {@link V3Session}). A simple UNION ALL of
     * same-shaped branches (each the columns the SELECT reads, so a child's own extra columns do
     * not matter), which the planner flattens into one append that the dimension joins then run
     * over once.
     */
    String copyOutOf(List<String> relations, String where) {
        String cond = "r." + idColumn + " <> 0" + (where.isEmpty() ? "" : " AND " + where);
        List<String> branches = new ArrayList<>();
        for (String rel : relations.isEmpty() ? List.of("ONLY " + table) : relations) {
            branches.add("SELECT " + rowColumns + " FROM " + rel + " r WHERE " + (relations.isEmpty() ? "false" : cond));
        }
        String from = " FROM " + table + " r";
        String select = this.select.replace(from, " FROM (" + String.join(" UNION ALL ", branches) + ") r");
        return "COPY (" + select + ") TO STDOUT";
    }

    String copyIn() {
        return "COPY " + table + " (" + flatColumns + ") FROM STDIN";
    }

    private static final class Fields {
        /** A column of the v3 row (alias r) that a SELECT reads (here, not in the enum: its statics come after the constants). */
        static final Pattern ROW_COLUMN = Pattern.compile("\\br\\.([a-z_0-9]+)");
        static final String SELECT = "d.description, r.start_timestamp, r.submit_timestamp, r.duration, r.trial, "
                + "r.test_result, e.environment, r.result_stdout, r.result_stderr, m.result_message, "
                + "r.merge_stdout_stderr, r.exit_value, r.exit_signal";
        static final String JOINS = " LEFT JOIN description d ON d.description_id = r.description_id"
                + " LEFT JOIN environment e ON e.environment_id = r.environment_id"
                + " LEFT JOIN result_message m ON m.result_message_id = r.result_message_id";
        static final String COLUMNS = "description, start_timestamp, submit_timestamp, duration, trial, test_result, "
                + "environment, result_stdout, result_stderr, result_message, merge_stdout_stderr, exit_value, exit_signal";
    }
}
