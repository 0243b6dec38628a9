package org.fastcopy.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * One table's comparison: columns 1 and 2 are the v3 id (flat: old id) and the flat id, the rest
 * the fields as text. Ids on the flat side are turned back into v3 ids; on the v3 side a
 * reference with no match is 0, as the conversion promises.
 */
record FlatShape(String table, String id, String oldId, List<Field> fields, String v3Joins, String flatJoins) {
    /** @param ref how the v3 value (a raw id) resolves: submit, install, build, installOfBuild; null: as is */
    record Field(String name, String v3, String flat, String ref) {
        Field(String name, String v3, String flat) {
            this(name, v3, flat, null);
        }
    }

    static FlatShape of(String table) {
        String id = table + "_id";
        List<Field> f = new ArrayList<>();
        String v3Joins = "";
        String flatJoins = "";
        if (!table.equals("submit")) {
            f.add(new Field("submit_id", "r.submit_id", "fs.old_submit_id", "submit"));
            flatJoins += " LEFT JOIN submit fs ON fs.submit_id = r.submit_id";
        }
        switch (table) {
            case "submit" -> {
                for (String c : List.of("hostname", "local_username", "http_username", "mtt_client_version")) {
                    f.add(new Field(c, "r." + c, "r." + c));
                }
            }
            case "mpi_install" -> {
                v3Joins += " LEFT JOIN compute_cluster cc ON cc.compute_cluster_id = r.compute_cluster_id"
                        + " LEFT JOIN mpi_get g ON g.mpi_get_id = r.mpi_get_id"
                        + " LEFT JOIN compiler co ON co.compiler_id = r.mpi_install_compiler_id"
                        + " LEFT JOIN mpi_install_configure_args ca ON ca.mpi_install_configure_id = r.mpi_install_configure_id";
                for (String c : List.of("platform_name", "platform_hardware", "platform_type", "os_name", "os_version")) {
                    f.add(new Field(c, "cc." + c, "r." + c));
                }
                for (String c : List.of("mpi_name", "mpi_version")) {
                    f.add(new Field(c, "g." + c, "r." + c));
                }
                for (String c : List.of("compiler_name", "compiler_version")) {
                    f.add(new Field(c, "co." + c, "r." + c));
                }
                for (String c : List.of("vpath_mode", "bitness", "endian", "configure_arguments")) {
                    f.add(new Field(c, "ca." + c, "r." + c));
                }
            }
            case "test_build" -> {
                f.add(new Field("mpi_install_id", "r.mpi_install_id", "fi.old_mpi_install_id", "install"));
                v3Joins += " LEFT JOIN compiler co ON co.compiler_id = r.test_build_compiler_id"
                        + " LEFT JOIN test_suites ts ON ts.test_suite_id = r.test_suite_id";
                flatJoins += " LEFT JOIN mpi_install fi ON fi.mpi_install_id = r.mpi_install_id";
                f.add(new Field("compiler_name", "co.compiler_name", "r.compiler_name"));
                f.add(new Field("compiler_version", "co.compiler_version", "r.compiler_version"));
                f.add(new Field("test_suite_name", "ts.suite_name", "r.test_suite_name"));
                f.add(new Field("test_suite_description", "ts.test_suite_description", "r.test_suite_description"));
            }
            case "test_run" -> {
                f.add(new Field("test_build_id", "r.test_build_id", "fb.old_test_build_id", "build"));
                f.add(new Field("mpi_install_id", "r.test_build_id", "fi.old_mpi_install_id", "installOfBuild"));
                v3Joins += " LEFT JOIN test_names tn ON tn.test_name_id = r.test_name_id"
                        + " LEFT JOIN test_run_command c ON c.test_run_command_id = r.test_run_command_id";
                flatJoins += " LEFT JOIN test_build fb ON fb.test_build_id = r.test_build_id"
                        + " LEFT JOIN mpi_install fi ON fi.mpi_install_id = r.mpi_install_id";
                f.add(new Field("test_name", "tn.test_name", "r.test_name"));
                f.add(new Field("test_name_description", "tn.test_name_description", "r.test_name_description"));
                for (String col : List.of("launcher", "resource_mgr", "parameters", "network")) {
                    f.add(new Field(col, "c." + col, "r." + col));
                }
                f.add(new Field("np", "r.np", "r.np"));
                f.add(new Field("full_command", "r.full_command", "r.full_command"));
            }
            default -> throw new IllegalArgumentException(table);
        }
        if (!table.equals("submit")) {
            v3Joins += RESULT_JOINS;
            resultFields(f);
        }
        return new FlatShape(table, id, "old_" + id, List.copyOf(f), v3Joins, flatJoins);
    }

    /** The v3 lookups of the result columns every table but submit has. */
    private static final String RESULT_JOINS = " LEFT JOIN description d ON d.description_id = r.description_id"
            + " LEFT JOIN environment e ON e.environment_id = r.environment_id"
            + " LEFT JOIN result_message m ON m.result_message_id = r.result_message_id";

    /** The result columns every table but submit has, in flat's column order. */
    private static void resultFields(List<Field> f) {
        f.add(new Field("description", "d.description", "r.description"));
        for (String c : List.of("start_timestamp", "submit_timestamp", "duration", "trial", "test_result")) {
            f.add(new Field(c, "r." + c, "r." + c));
        }
        f.add(new Field("environment", "e.environment", "r.environment"));
        f.add(new Field("result_stdout", "r.result_stdout", "r.result_stdout"));
        f.add(new Field("result_stderr", "r.result_stderr", "r.result_stderr"));
        f.add(new Field("result_message", "m.result_message", "r.result_message"));
        for (String c : List.of("merge_stdout_stderr", "exit_value", "exit_signal")) {
            f.add(new Field(c, "r." + c, "r." + c));
        }
    }

    String v3Sql(String from, String where) {
        StringJoiner cols = new StringJoiner(", ");
        fields.forEach(x -> cols.add("(" + x.v3 + ")::text"));
        return "SELECT r." + id + ", NULL::bigint, " + cols + " FROM " + from + v3Joins + " WHERE " + where
                + " ORDER BY r." + id;
    }

    String flatSql(String where) {
        StringJoiner cols = new StringJoiner(", ");
        fields.forEach(x -> cols.add("(" + x.flat + ")::text"));
        return "SELECT r." + oldId + ", r." + id + ", " + cols + " FROM " + table + " r" + flatJoins + " WHERE "
                + where + " ORDER BY r." + oldId;
    }
}
