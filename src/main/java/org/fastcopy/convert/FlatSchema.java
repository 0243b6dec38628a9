package org.fastcopy.convert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.fastcopy.util.Sql.ident;

/**
 * The mttflat schema of mtt-schemas.md (runbook step 5, {@code setup-db.sh}): tables, sentinel
 * rows 0 and primary keys at setup; the plain indexes and the foreign keys only after the load,
 * since building an index once is far cheaper than maintaining it row by row, and validating a
 * key once (one join) far cheaper than a trigger's lookup per row for three keys of every test_run row.
 */
final class FlatSchema {
    static final List<String> RESULT_TABLES = List.of("mpi_install", "test_build", "test_run");

    private FlatSchema() {
    }

    static List<String> setup() {
        List<String> sql = new ArrayList<>();
        sql.add("""
                CREATE TABLE submit (
                    submit_id serial PRIMARY KEY,
                    old_submit_id integer NOT NULL DEFAULT -999,
                    hostname varchar(128), local_username varchar(16), http_username varchar(16),
                    mtt_client_version varchar(16))""");
        sql.add("""
                CREATE TABLE results_fields (
                    description text, start_timestamp timestamp without time zone,
                    submit_timestamp timestamp without time zone, duration interval, trial boolean,
                    test_result smallint, environment text, result_stdout text, result_stderr text,
                    result_message text, merge_stdout_stderr boolean, exit_value integer, exit_signal integer)""");
        sql.add("""
                CREATE TABLE mpi_install (
                    mpi_install_id serial PRIMARY KEY,
                    old_mpi_install_id integer NOT NULL DEFAULT -999,
                    submit_id integer NOT NULL DEFAULT 0,
                    platform_name varchar(128), platform_hardware varchar(128), platform_type varchar(128),
                    os_name varchar(128), os_version varchar(128), mpi_name varchar(64), mpi_version varchar(128),
                    compiler_name varchar(64), compiler_version varchar(64),
                    vpath_mode bit(2), bitness bit(6), endian bit(2), configure_arguments text
                ) INHERITS (results_fields)""");
        sql.add("""
                CREATE TABLE test_build (
                    test_build_id serial PRIMARY KEY,
                    old_test_build_id integer NOT NULL DEFAULT -999,
                    submit_id integer NOT NULL DEFAULT 0,
                    mpi_install_id integer NOT NULL DEFAULT 0,
                    compiler_name varchar(64), compiler_version varchar(64),
                    test_suite_name varchar(32), test_suite_description text
                ) INHERITS (results_fields)""");
        sql.add("""
                CREATE TABLE test_run (
                    test_run_id serial PRIMARY KEY,
                    old_test_run_id integer NOT NULL DEFAULT -999,
                    submit_id integer NOT NULL DEFAULT 0,
                    mpi_install_id integer NOT NULL DEFAULT 0,
                    test_build_id integer NOT NULL DEFAULT 0,
                    test_name varchar(64), test_name_description text, launcher varchar(128),
                    resource_mgr varchar(32), parameters text, network varchar(32), np smallint,
                    full_command text
                ) INHERITS (results_fields)""");
        // Sentinels: id 0 and old id 0, so a v3 reference to a v3 sentinel maps to the flat one.
        sql.add("INSERT INTO submit VALUES (0, 0, 'undef', 'undef', 'undef', 'undef')");
        String fields = "'undef', TIMESTAMP '1970-01-01', TIMESTAMP '1970-01-01', INTERVAL '0', false, 0, 'undef', '', '', "
                + "'undef', false, 0, -1";
        String fieldCols = "description, start_timestamp, submit_timestamp, duration, trial, test_result, environment, "
                + "result_stdout, result_stderr, result_message, merge_stdout_stderr, exit_value, exit_signal";
        sql.add("INSERT INTO mpi_install (mpi_install_id, old_mpi_install_id, submit_id, platform_name, platform_hardware, "
                + "platform_type, os_name, os_version, mpi_name, mpi_version, compiler_name, compiler_version, vpath_mode, "
                + "bitness, endian, configure_arguments, " + fieldCols + ") VALUES (0, 0, 0, 'undef', 'undef', 'undef', "
                + "'undef', 'undef', 'undef', 'undef', 'undef', 'undef', B'00', B'000000', B'00', '', " + fields + ")");
        sql.add("INSERT INTO test_build (test_build_id, old_test_build_id, submit_id, mpi_install_id, compiler_name, "
                + "compiler_version, test_suite_name, test_suite_description, " + fieldCols + ") VALUES (0, 0, 0, 0, "
                + "'undef', 'undef', 'undef', '', " + fields + ")");
        sql.add("INSERT INTO test_run (test_run_id, old_test_run_id, submit_id, mpi_install_id, test_build_id, test_name, "
                + "test_name_description, launcher, resource_mgr, parameters, network, np, full_command, " + fieldCols
                + ") VALUES (0, 0, 0, 0, 0, 'undef', '', 'undef', 'undef', '', 'undef', 0, '', " + fields + ")");
        return sql;
    }

    /** The indexes of mtt-schemas.md, each its own statement so they can be built in parallel. */
    static List<String> indexes() {
        List<String> sql = new ArrayList<>();
        sql.add(index("submit", "http_username"));
        sql.add(index("submit", "old_submit_id"));
        for (String t : RESULT_TABLES) {
            sql.add(index(t, "old_" + t + "_id"));
            for (String c : List.of("start_timestamp", "trial", "test_result")) {
                sql.add(index(t, c));
            }
        }
        return sql;
    }

    /**
     * The foreign keys, by the names PostgreSQL gives a column REFERENCES clause (flat databases
     * set up before keys moved after the load have them under these names already).
     */
    static Map<String, String> foreignKeys() {
        Map<String, String> fk = new LinkedHashMap<>();
        fk.put("mpi_install_submit_id_fkey", "ALTER TABLE mpi_install ADD CONSTRAINT mpi_install_submit_id_fkey "
                + "FOREIGN KEY (submit_id) REFERENCES submit (submit_id)");
        for (String t : List.of("test_build", "test_run")) {
            fk.put(t + "_submit_id_fkey", "ALTER TABLE " + t + " ADD CONSTRAINT " + t + "_submit_id_fkey "
                    + "FOREIGN KEY (submit_id) REFERENCES submit (submit_id)");
            fk.put(t + "_mpi_install_id_fkey", "ALTER TABLE " + t + " ADD CONSTRAINT " + t + "_mpi_install_id_fkey "
                    + "FOREIGN KEY (mpi_install_id) REFERENCES mpi_install (mpi_install_id)");
        }
        fk.put("test_run_test_build_id_fkey", "ALTER TABLE test_run ADD CONSTRAINT test_run_test_build_id_fkey "
                + "FOREIGN KEY (test_build_id) REFERENCES test_build (test_build_id)");
        return fk;
    }

    private static String index(String table, String column) {
        return "CREATE INDEX IF NOT EXISTS " + ident(table + "_" + column + "_idx") + " ON " + ident(table) + " ("
                + ident(column) + ")";
    }
}
