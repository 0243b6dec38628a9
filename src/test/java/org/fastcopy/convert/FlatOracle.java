package org.fastcopy.convert;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * What the flat database must hold, computed straight from v3 with SQL written here, independent of
 * the converter's code; and what flat holds, with its ids turned back into v3 ids through the flat
 * tables' own old_*_id columns. Both sides render each row as ROW(...)::text on the same server.
 */
final class FlatOracle {
    private static final String V3_FIELDS = "d.description, x.start_timestamp, x.submit_timestamp, x.duration, x.trial, "
            + "x.test_result, e.environment, x.result_stdout, x.result_stderr, m.result_message, x.merge_stdout_stderr, "
            + "x.exit_value, x.exit_signal";
    private static final String V3_FIELD_JOINS = " LEFT JOIN description d ON d.description_id = x.description_id"
            + " LEFT JOIN environment e ON e.environment_id = x.environment_id"
            + " LEFT JOIN result_message m ON m.result_message_id = x.result_message_id";
    private static final String FLAT_FIELDS = "f.description, f.start_timestamp, f.submit_timestamp, f.duration, f.trial, "
            + "f.test_result, f.environment, f.result_stdout, f.result_stderr, f.result_message, f.merge_stdout_stderr, "
            + "f.exit_value, f.exit_signal";
    private static final String SUBMIT_OR_0 = "CASE WHEN EXISTS (SELECT 1 FROM submit s WHERE s.submit_id = x.submit_id) "
            + "THEN x.submit_id ELSE 0 END";

    private FlatOracle() {
    }

    static Map<Long, String> expected(Connection v3, String table) throws SQLException {
        String sql = switch (table) {
            case "submit" -> "SELECT submit_id, ROW(hostname, local_username, http_username, mtt_client_version)::text "
                    + "FROM submit WHERE submit_id <> 0";
            case "mpi_install" -> "SELECT x.mpi_install_id, ROW(" + SUBMIT_OR_0 + ", cc.platform_name, cc.platform_hardware, "
                    + "cc.platform_type, cc.os_name, cc.os_version, g.mpi_name, g.mpi_version, co.compiler_name, "
                    + "co.compiler_version, ca.vpath_mode, ca.bitness, ca.endian, ca.configure_arguments, " + V3_FIELDS
                    + ")::text FROM mpi_install x LEFT JOIN compute_cluster cc USING (compute_cluster_id)"
                    + " LEFT JOIN mpi_get g USING (mpi_get_id)"
                    + " LEFT JOIN compiler co ON co.compiler_id = x.mpi_install_compiler_id"
                    + " LEFT JOIN mpi_install_configure_args ca USING (mpi_install_configure_id)" + V3_FIELD_JOINS
                    + " WHERE x.mpi_install_id <> 0";
            case "test_build" -> "SELECT x.test_build_id, ROW(" + SUBMIT_OR_0 + ", CASE WHEN EXISTS (SELECT 1 FROM "
                    + "mpi_install i WHERE i.mpi_install_id = x.mpi_install_id) THEN x.mpi_install_id ELSE 0 END, "
                    + "co.compiler_name, co.compiler_version, ts.suite_name, ts.test_suite_description, " + V3_FIELDS
                    + ")::text FROM test_build x LEFT JOIN compiler co ON co.compiler_id = x.test_build_compiler_id"
                    + " LEFT JOIN test_suites ts USING (test_suite_id)" + V3_FIELD_JOINS + " WHERE x.test_build_id <> 0";
            case "test_run" -> "SELECT x.test_run_id, ROW(" + SUBMIT_OR_0 + ", CASE WHEN tb.test_build_id IS NULL THEN 0 "
                    + "ELSE coalesce(ti.mpi_install_id, 0) END, coalesce(tb.test_build_id, 0), tn.test_name, "
                    + "tn.test_name_description, c.launcher, c.resource_mgr, c.parameters, c.network, x.np, x.full_command, "
                    + V3_FIELDS + ")::text FROM test_run x"
                    + " LEFT JOIN test_build tb ON tb.test_build_id = x.test_build_id"
                    + " LEFT JOIN mpi_install ti ON ti.mpi_install_id = tb.mpi_install_id"
                    + " LEFT JOIN test_names tn ON tn.test_name_id = x.test_name_id"
                    + " LEFT JOIN test_run_command c ON c.test_run_command_id = x.test_run_command_id"
                    + V3_FIELD_JOINS + " WHERE x.test_run_id <> 0";
            default -> throw new IllegalArgumentException(table);
        };
        return read(v3, sql);
    }

    static Map<Long, String> actual(Connection flat, String table) throws SQLException {
        String sql = switch (table) {
            case "submit" -> "SELECT old_submit_id, ROW(hostname, local_username, http_username, mtt_client_version)::text "
                    + "FROM submit WHERE submit_id <> 0";
            case "mpi_install" -> "SELECT f.old_mpi_install_id, ROW(s.old_submit_id, f.platform_name, f.platform_hardware, "
                    + "f.platform_type, f.os_name, f.os_version, f.mpi_name, f.mpi_version, f.compiler_name, "
                    + "f.compiler_version, f.vpath_mode, f.bitness, f.endian, f.configure_arguments, " + FLAT_FIELDS
                    + ")::text FROM mpi_install f JOIN submit s ON s.submit_id = f.submit_id WHERE f.mpi_install_id <> 0";
            case "test_build" -> "SELECT f.old_test_build_id, ROW(s.old_submit_id, i.old_mpi_install_id, f.compiler_name, "
                    + "f.compiler_version, f.test_suite_name, f.test_suite_description, " + FLAT_FIELDS + ")::text "
                    + "FROM test_build f JOIN submit s ON s.submit_id = f.submit_id "
                    + "JOIN mpi_install i ON i.mpi_install_id = f.mpi_install_id WHERE f.test_build_id <> 0";
            case "test_run" -> "SELECT f.old_test_run_id, ROW(s.old_submit_id, i.old_mpi_install_id, b.old_test_build_id, "
                    + "f.test_name, f.test_name_description, f.launcher, f.resource_mgr, f.parameters, f.network, f.np, "
                    + "f.full_command, " + FLAT_FIELDS + ")::text FROM test_run f JOIN submit s ON s.submit_id = f.submit_id "
                    + "JOIN mpi_install i ON i.mpi_install_id = f.mpi_install_id "
                    + "JOIN test_build b ON b.test_build_id = f.test_build_id WHERE f.test_run_id <> 0";
            default -> throw new IllegalArgumentException(table);
        };
        return read(flat, sql);
    }

    /** Independent dangling counts, per the report's kinds. */
    static long dangling(Connection v3, String kind) throws SQLException {
        String sql = switch (kind) {
            case Dangling.TEST_RUN_BUILD -> "SELECT count(*) FROM test_run x WHERE x.test_run_id <> 0 AND NOT EXISTS "
                    + "(SELECT 1 FROM test_build b WHERE b.test_build_id = x.test_build_id)";
            case Dangling.TEST_BUILD_INSTALL -> "SELECT count(*) FROM test_build x WHERE x.test_build_id <> 0 AND NOT EXISTS "
                    + "(SELECT 1 FROM mpi_install i WHERE i.mpi_install_id = x.mpi_install_id)";
            case Dangling.TEST_RUN_INSTALL -> "SELECT count(*) FROM test_run x JOIN test_build b ON b.test_build_id = "
                    + "x.test_build_id WHERE x.test_run_id <> 0 AND b.test_build_id <> 0 AND (b.mpi_install_id = 0 OR "
                    + "NOT EXISTS (SELECT 1 FROM mpi_install i WHERE i.mpi_install_id = b.mpi_install_id))";
            case Dangling.TEST_RUN_SUBMIT -> "SELECT count(*) FROM test_run x WHERE x.test_run_id <> 0 AND NOT EXISTS "
                    + "(SELECT 1 FROM submit s WHERE s.submit_id = x.submit_id)";
            default -> throw new IllegalArgumentException(kind);
        };
        try (Statement st = v3.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Reads (id, row text); fails on a duplicate id, so "exactly once" is part of the read. */
    private static Map<Long, String> read(Connection c, String sql) throws SQLException {
        Map<Long, String> rows = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                String prev = rows.put(rs.getLong(1), rs.getString(2));
                if (prev != null) {
                    throw new AssertionError("id " + rs.getLong(1) + " appears more than once: " + sql);
                }
            }
        }
        return rows;
    }
}
