package org.fastcopy.generate;

import java.util.List;

/**
 * The dimension tables of MTT v3 as mtt-schemas.md describes them. Text columns are NOT NULL with
 * a default, as production declared them, so that a client omitting a field stores '' instead of
 * NULL and the uniqueness constraints keep meaning something.
 */
public final class MttV3Tables {
    public static final String CLIENT_SERIAL = "client_serial";
    public static final String TEST_RUN_NETWORK_ID = "test_run_network_id";

    public static final DimensionTable COMPUTE_CLUSTER = new DimensionTable("compute_cluster", "compute_cluster_id",
            List.of(varchar("platform_name", 128), varchar("platform_hardware", 128), varchar("platform_type", 128),
                    varchar("os_name", 128), varchar("os_version", 128)),
            List.of(List.of("platform_name", "platform_hardware", "platform_type", "os_name", "os_version")),
            List.of(), List.of());

    public static final DimensionTable SUBMIT = new DimensionTable("submit", "submit_id",
            List.of(varchar("hostname", 128), varchar("local_username", 16), varchar("http_username", 16),
                    varchar("mtt_client_version", 16)),
            List.of(), List.of("http_username"), List.of());

    public static final DimensionTable COMPILER = new DimensionTable("compiler", "compiler_id",
            List.of(varchar("compiler_name", 64), varchar("compiler_version", 64)),
            List.of(List.of("compiler_name", "compiler_version")), List.of(), List.of());

    public static final DimensionTable MPI_GET = new DimensionTable("mpi_get", "mpi_get_id",
            List.of(varchar("mpi_name", 64), varchar("mpi_version", 128)),
            List.of(List.of("mpi_name", "mpi_version")), List.of(), List.of());

    public static final DimensionTable CONFIGURE_ARGS = new DimensionTable("mpi_install_configure_args",
            "mpi_install_configure_id",
            List.of(new Column("vpath_mode", "bit(2) NOT NULL DEFAULT B'00'"),
                    new Column("bitness", "bit(6) NOT NULL DEFAULT B'000000'"),
                    new Column("endian", "bit(2) NOT NULL DEFAULT B'00'"),
                    text("configure_arguments")),
            List.of(List.of("vpath_mode", "bitness", "endian", "configure_arguments")), List.of(), List.of());

    public static final DimensionTable DESCRIPTION = new DimensionTable("description", "description_id",
            List.of(text("description")), List.of(), List.of(), List.of());

    public static final DimensionTable ENVIRONMENT = new DimensionTable("environment", "environment_id",
            List.of(text("environment")), List.of(), List.of(), List.of());

    public static final DimensionTable RESULT_MESSAGE = new DimensionTable("result_message", "result_message_id",
            List.of(text("result_message")), List.of(), List.of(), List.of());

    public static final DimensionTable TEST_SUITES = new DimensionTable("test_suites", "test_suite_id",
            List.of(varchar("suite_name", 32), text("test_suite_description")),
            List.of(List.of("suite_name")), List.of(), List.of());

    public static final DimensionTable TEST_NAMES = new DimensionTable("test_names", "test_name_id",
            List.of(new Column("test_suite_id", "integer NOT NULL DEFAULT 0"), varchar("test_name", 64),
                    text("test_name_description")),
            List.of(List.of("test_suite_id", "test_name")), List.of(),
            List.of(new ForeignKey("test_suite_id", "test_suites", "test_suite_id")));

    public static final DimensionTable LATENCY_BANDWIDTH = new DimensionTable("latency_bandwidth",
            "latency_bandwidth_id",
            List.of(new Column("message_size", "integer[]"),
                    new Column("bandwidth_min", "double precision[]"),
                    new Column("bandwidth_max", "double precision[]"),
                    new Column("bandwidth_avg", "double precision[]"),
                    new Column("latency_min", "double precision[]"),
                    new Column("latency_max", "double precision[]"),
                    new Column("latency_avg", "double precision[]")),
            List.of(), List.of(), List.of());

    public static final DimensionTable PERFORMANCE = new DimensionTable("performance", "performance_id",
            List.of(new Column("latency_bandwidth_id", "integer NOT NULL DEFAULT 0")),
            List.of(), List.of(),
            List.of(new ForeignKey("latency_bandwidth_id", "latency_bandwidth", "latency_bandwidth_id")));

    public static final DimensionTable INTERCONNECTS = new DimensionTable("interconnects", "interconnect_id",
            List.of(varchar("interconnect_name", 32)), List.of(), List.of(), List.of());

    public static final DimensionTable TEST_RUN_NETWORKS = new DimensionTable("test_run_networks", "network_id",
            List.of(new Column("test_run_network_id", "integer NOT NULL DEFAULT 0"),
                    new Column("interconnect_id", "integer NOT NULL DEFAULT 0")),
            List.of(), List.of(),
            List.of(new ForeignKey("interconnect_id", "interconnects", "interconnect_id")));

    public static final DimensionTable TEST_RUN_COMMAND = new DimensionTable("test_run_command",
            "test_run_command_id",
            List.of(varchar("launcher", 128), varchar("resource_mgr", 32), text("parameters"), varchar("network", 32),
                    new Column("test_run_network_id", "integer NOT NULL DEFAULT 0")),
            List.of(), List.of(), List.of());

    /** In creation order: a referenced table before the tables that reference it. */
    public static final List<DimensionTable> DIMENSIONS = List.of(COMPUTE_CLUSTER, SUBMIT, COMPILER, MPI_GET,
            CONFIGURE_ARGS, DESCRIPTION, ENVIRONMENT, RESULT_MESSAGE, TEST_SUITES, TEST_NAMES, LATENCY_BANDWIDTH,
            PERFORMANCE, INTERCONNECTS, TEST_RUN_NETWORKS, TEST_RUN_COMMAND);

    private MttV3Tables() {
    }

    private static Column varchar(String name, int length) {
        return new Column(name, "varchar(" + length + ") NOT NULL DEFAULT ''");
    }

    private static Column text(String name) {
        return new Column(name, "text NOT NULL DEFAULT ''");
    }
}
