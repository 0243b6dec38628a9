package org.fastcopy.generate;

import java.util.ArrayList;
import java.util.List;

/**
 * The three result tables: each inherits results_fields, has one child per week and is where
 * almost all rows and bytes are. Column lists are in COPY order: id, own columns, then the
 * inherited results_fields columns.
 */
public enum ResultTable {
    MPI_INSTALL("mpi_install", "mpi_install_id",
            List.of(),
            List.of(),
            List.of()),
    TEST_BUILD("test_build", "test_build_id",
            List.of(new Column("mpi_install_id", "integer NOT NULL"),
                    new Column("test_suite_id", "integer NOT NULL"),
                    new Column("test_build_compiler_id", "integer NOT NULL")),
            List.of(new ForeignKey("test_suite_id", "test_suites", "test_suite_id"),
                    new ForeignKey("test_build_compiler_id", "compiler", "compiler_id")),
            List.of("test_suite_id")),
    TEST_RUN("test_run", "test_run_id",
            List.of(new Column("mpi_install_id", "integer NOT NULL"),
                    new Column("test_suite_id", "integer NOT NULL"),
                    new Column("test_build_compiler_id", "integer NOT NULL"),
                    new Column("test_build_id", "integer NOT NULL"),
                    new Column("test_name_id", "integer NOT NULL"),
                    new Column("performance_id", "integer"),
                    new Column("test_run_command_id", "integer NOT NULL"),
                    new Column("np", "smallint NOT NULL"),
                    new Column("full_command", "text NOT NULL")),
            List.of(new ForeignKey("test_suite_id", "test_suites", "test_suite_id"),
                    new ForeignKey("test_build_compiler_id", "compiler", "compiler_id"),
                    new ForeignKey("test_name_id", "test_names", "test_name_id"),
                    new ForeignKey("performance_id", "performance", "performance_id"),
                    new ForeignKey("test_run_command_id", "test_run_command", "test_run_command_id")),
            // The issue asked for test_suite_id on test_run children in case the column exists: it
            // does, test_run carries the eight columns of test_build ("the eight above").
            List.of("test_suite_id", "test_name_id", "performance_id", "test_run_command_id"));

    /** Held apart because an enum's constructor cannot read the enum's own static fields. */
    private static final class Shared {
        /** The columns every result table has first: what the MPI install was and who submitted it. */
        static final List<Column> INSTALL_COLUMNS = List.of(
                new Column("submit_id", "integer NOT NULL"),
                new Column("compute_cluster_id", "integer NOT NULL"),
                new Column("mpi_install_compiler_id", "integer NOT NULL"),
                new Column("mpi_get_id", "integer NOT NULL"),
                new Column("mpi_install_configure_id", "integer NOT NULL"));

        static final List<ForeignKey> INSTALL_KEYS = List.of(
                new ForeignKey("submit_id", "submit", "submit_id"),
                new ForeignKey("compute_cluster_id", "compute_cluster", "compute_cluster_id"),
                new ForeignKey("mpi_install_compiler_id", "compiler", "compiler_id"),
                new ForeignKey("mpi_get_id", "mpi_get", "mpi_get_id"),
                new ForeignKey("mpi_install_configure_id", "mpi_install_configure_args", "mpi_install_configure_id"),
                new ForeignKey("description_id", "description", "description_id"),
                new ForeignKey("environment_id", "environment", "environment_id"),
                new ForeignKey("result_message_id", "result_message", "result_message_id"));
    }

    /** results_fields: the empty parent whose columns all three result tables inherit. */
    public static final String FIELDS_TABLE = "results_fields";

    public static final List<Column> FIELDS = List.of(
            new Column("description_id", "integer NOT NULL DEFAULT 0"),
            new Column("start_timestamp", "timestamp without time zone NOT NULL"),
            new Column("test_result", "smallint NOT NULL"),
            new Column("trial", "boolean DEFAULT false"),
            new Column("submit_timestamp", "timestamp without time zone NOT NULL"),
            new Column("duration", "interval NOT NULL DEFAULT '00:00:00'"),
            new Column("environment_id", "integer NOT NULL DEFAULT 0"),
            new Column("result_stdout", "text NOT NULL DEFAULT ''"),
            new Column("result_stderr", "text NOT NULL DEFAULT ''"),
            new Column("result_message_id", "integer NOT NULL DEFAULT 0"),
            new Column("merge_stdout_stderr", "boolean NOT NULL DEFAULT false"),
            new Column("exit_value", "integer NOT NULL DEFAULT 0"),
            new Column("exit_signal", "integer NOT NULL DEFAULT -1"),
            new Column("client_serial", "integer NOT NULL DEFAULT 0"));

    private final String table;
    private final String idColumn;
    private final List<Column> ownColumns;
    private final List<ForeignKey> foreignKeys;
    private final List<String> childIndexed;

    ResultTable(String table, String idColumn, List<Column> extraColumns, List<ForeignKey> extraKeys,
                List<String> extraIndexed) {
        this.table = table;
        this.idColumn = idColumn;
        List<Column> own = new ArrayList<>(Shared.INSTALL_COLUMNS);
        own.addAll(extraColumns);
        this.ownColumns = List.copyOf(own);
        List<ForeignKey> keys = new ArrayList<>(Shared.INSTALL_KEYS);
        keys.addAll(extraKeys);
        this.foreignKeys = List.copyOf(keys);
        List<String> indexed = new ArrayList<>(List.of("start_timestamp", "test_result"));
        indexed.addAll(extraIndexed);
        this.childIndexed = List.copyOf(indexed);
    }

    public String table() {
        return table;
    }

    public String idColumn() {
        return idColumn;
    }

    /** Columns declared on the table itself (the id excluded), in COPY order. */
    public List<Column> ownColumns() {
        return ownColumns;
    }

    /** Keys to dimension tables; none to other result tables, which PostgreSQL cannot enforce. */
    public List<ForeignKey> foreignKeys() {
        return foreignKeys;
    }

    /** Columns each weekly child indexes. */
    public List<String> childIndexed() {
        return childIndexed;
    }

    /** id, own columns, then the results_fields columns: the order the generators write. */
    public List<String> copyColumns() {
        List<String> names = new ArrayList<>();
        names.add(idColumn);
        ownColumns.forEach(c -> names.add(c.name()));
        FIELDS.forEach(c -> names.add(c.name()));
        return names;
    }

}
