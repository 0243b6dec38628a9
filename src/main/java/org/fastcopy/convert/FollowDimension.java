package org.fastcopy.convert;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The v3 dimension tables whose values flat inlines, and which v3 columns of which result table
 * point at them: an update (or delete) of a dimension row rewrites the flat rows whose v3 row
 * refers to it. Dimensions flat does not inline (latency_bandwidth, performance, interconnects,
 * test_run_networks) are not followed.
 */
enum FollowDimension {
    COMPUTE_CLUSTER("compute_cluster", "compute_cluster_id", Map.of(FlatTable.MPI_INSTALL, List.of("compute_cluster_id"))),
    MPI_GET("mpi_get", "mpi_get_id", Map.of(FlatTable.MPI_INSTALL, List.of("mpi_get_id"))),
    COMPILER("compiler", "compiler_id", Map.of(FlatTable.MPI_INSTALL, List.of("mpi_install_compiler_id"),
            FlatTable.TEST_BUILD, List.of("test_build_compiler_id"))),
    CONFIGURE_ARGS("mpi_install_configure_args", "mpi_install_configure_id",
            Map.of(FlatTable.MPI_INSTALL, List.of("mpi_install_configure_id"))),
    TEST_SUITES("test_suites", "test_suite_id", Map.of(FlatTable.TEST_BUILD, List.of("test_suite_id"))),
    TEST_NAMES("test_names", "test_name_id", Map.of(FlatTable.TEST_RUN, List.of("test_name_id"))),
    TEST_RUN_COMMAND("test_run_command", "test_run_command_id", Map.of(FlatTable.TEST_RUN, List.of("test_run_command_id"))),
    DESCRIPTION("description", "description_id", results("description_id")),
    ENVIRONMENT("environment", "environment_id", results("environment_id")),
    RESULT_MESSAGE("result_message", "result_message_id", results("result_message_id"));

    final String table;
    final String idColumn;
    /** Per flat table, the v3 columns of its source table that refer to this dimension. */
    final Map<FlatTable, List<String>> referredBy;

    FollowDimension(String table, String idColumn, Map<FlatTable, List<String>> referredBy) {
        this.table = table;
        this.idColumn = idColumn;
        this.referredBy = referredBy;
    }

    private static Map<FlatTable, List<String>> results(String column) {
        return Map.of(FlatTable.MPI_INSTALL, List.of(column), FlatTable.TEST_BUILD, List.of(column),
                FlatTable.TEST_RUN, List.of(column));
    }

    static FollowDimension named(String table) {
        for (FollowDimension d : values()) {
            if (d.table.equals(table)) {
                return d;
            }
        }
        return null;
    }

    /**
     * The condition (over alias r) selecting the v3 rows of {@code t} that refer to any of the
     * changed dimension ids; empty when no changed dimension is inlined in {@code t}.
     */
    static String referring(FlatTable t, Map<FollowDimension, ? extends Collection<Long>> changed) {
        List<String> or = new ArrayList<>();
        changed.forEach((d, ids) -> {
            if (!ids.isEmpty()) {
                for (String col : d.referredBy.getOrDefault(t, List.of())) {
                    or.add("r." + col + " = ANY (" + array(ids) + ")");
                }
            }
        });
        return String.join(" OR ", or);
    }

    static String array(Collection<Long> ids) {
        return "'{" + ids.stream().map(String::valueOf).collect(Collectors.joining(",")) + "}'::bigint[]";
    }
}
