-- bench/convert: the set-based conversion a DBA would write, INSERT ... SELECT over postgres_fdw foreign tables.
-- Runs in the flat database (tables and sentinel rows present, no keys or indexes yet: bench/convert
-- restores those afterwards, timed). The dimension joins run on the v3 side, the old-to-new id
-- mapping joins on the flat side (a reference with no match goes to the sentinel 0, like fastcopy).
-- psql variables: v3host, v3port, v3db, passfile. No password: libpq in the server reads :passfile.
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE SERVER v3 FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host :'v3host', port :'v3port', dbname :'v3db', passfile :'passfile', fetch_size '10000');
CREATE USER MAPPING FOR CURRENT_USER SERVER v3 OPTIONS (user 'postgres');
CREATE SCHEMA v3;
IMPORT FOREIGN SCHEMA public LIMIT TO (submit, mpi_install, test_build, test_run, compute_cluster, mpi_get, compiler,
  mpi_install_configure_args, description, environment, result_message, test_suites, test_names, test_run_command)
  FROM SERVER v3 INTO v3;
BEGIN;

INSERT INTO submit (old_submit_id, hostname, local_username, http_username, mtt_client_version)
SELECT t.submit_id, t.hostname, t.local_username, t.http_username, t.mtt_client_version
FROM (SELECT r.submit_id, r.hostname, r.local_username, r.http_username, r.mtt_client_version FROM v3.submit r WHERE r.submit_id <> 0) t
;

INSERT INTO mpi_install (old_mpi_install_id, submit_id, platform_name, platform_hardware, platform_type, os_name, os_version, mpi_name, mpi_version, compiler_name, compiler_version, vpath_mode, bitness, endian, configure_arguments, description, start_timestamp, submit_timestamp, duration, trial, test_result, environment, result_stdout, result_stderr, result_message, merge_stdout_stderr, exit_value, exit_signal)
SELECT t.mpi_install_id, coalesce(s.submit_id, 0), t.platform_name, t.platform_hardware, t.platform_type, t.os_name, t.os_version, t.mpi_name, t.mpi_version, t.compiler_name, t.compiler_version, t.vpath_mode, t.bitness, t.endian, t.configure_arguments, t.description, t.start_timestamp, t.submit_timestamp, t.duration, t.trial, t.test_result, t.environment, t.result_stdout, t.result_stderr, t.result_message, t.merge_stdout_stderr, t.exit_value, t.exit_signal
FROM (SELECT r.mpi_install_id, r.submit_id, cc.platform_name, cc.platform_hardware, cc.platform_type, cc.os_name, cc.os_version, mg.mpi_name, mg.mpi_version, c.compiler_name, c.compiler_version, ca.vpath_mode, ca.bitness, ca.endian, ca.configure_arguments, d.description, r.start_timestamp, r.submit_timestamp, r.duration, r.trial, r.test_result, e.environment, r.result_stdout, r.result_stderr, m.result_message, r.merge_stdout_stderr, r.exit_value, r.exit_signal FROM v3.mpi_install r LEFT JOIN v3.compute_cluster cc ON cc.compute_cluster_id = r.compute_cluster_id LEFT JOIN v3.mpi_get mg ON mg.mpi_get_id = r.mpi_get_id LEFT JOIN v3.compiler c ON c.compiler_id = r.mpi_install_compiler_id LEFT JOIN v3.mpi_install_configure_args ca ON ca.mpi_install_configure_id = r.mpi_install_configure_id LEFT JOIN v3.description d ON d.description_id = r.description_id LEFT JOIN v3.environment e ON e.environment_id = r.environment_id LEFT JOIN v3.result_message m ON m.result_message_id = r.result_message_id WHERE r.mpi_install_id <> 0) t
LEFT JOIN submit s ON s.old_submit_id = t.submit_id;

INSERT INTO test_build (old_test_build_id, submit_id, mpi_install_id, compiler_name, compiler_version, test_suite_name, test_suite_description, description, start_timestamp, submit_timestamp, duration, trial, test_result, environment, result_stdout, result_stderr, result_message, merge_stdout_stderr, exit_value, exit_signal)
SELECT t.test_build_id, coalesce(s.submit_id, 0), coalesce(i.mpi_install_id, 0), t.compiler_name, t.compiler_version, t.suite_name, t.test_suite_description, t.description, t.start_timestamp, t.submit_timestamp, t.duration, t.trial, t.test_result, t.environment, t.result_stdout, t.result_stderr, t.result_message, t.merge_stdout_stderr, t.exit_value, t.exit_signal
FROM (SELECT r.test_build_id, r.submit_id, r.mpi_install_id, c.compiler_name, c.compiler_version, ts.suite_name, ts.test_suite_description, d.description, r.start_timestamp, r.submit_timestamp, r.duration, r.trial, r.test_result, e.environment, r.result_stdout, r.result_stderr, m.result_message, r.merge_stdout_stderr, r.exit_value, r.exit_signal FROM v3.test_build r LEFT JOIN v3.compiler c ON c.compiler_id = r.test_build_compiler_id LEFT JOIN v3.test_suites ts ON ts.test_suite_id = r.test_suite_id LEFT JOIN v3.description d ON d.description_id = r.description_id LEFT JOIN v3.environment e ON e.environment_id = r.environment_id LEFT JOIN v3.result_message m ON m.result_message_id = r.result_message_id WHERE r.test_build_id <> 0) t
LEFT JOIN submit s ON s.old_submit_id = t.submit_id LEFT JOIN mpi_install i ON i.old_mpi_install_id = t.mpi_install_id;

INSERT INTO test_run (old_test_run_id, submit_id, mpi_install_id, test_build_id, test_name, test_name_description, launcher, resource_mgr, parameters, network, np, full_command, description, start_timestamp, submit_timestamp, duration, trial, test_result, environment, result_stdout, result_stderr, result_message, merge_stdout_stderr, exit_value, exit_signal)
SELECT t.test_run_id, coalesce(s.submit_id, 0), coalesce(b.mpi_install_id, 0), coalesce(b.test_build_id, 0), t.test_name, t.test_name_description, t.launcher, t.resource_mgr, t.parameters, t.network, t.np, t.full_command, t.description, t.start_timestamp, t.submit_timestamp, t.duration, t.trial, t.test_result, t.environment, t.result_stdout, t.result_stderr, t.result_message, t.merge_stdout_stderr, t.exit_value, t.exit_signal
FROM (SELECT r.test_run_id, r.submit_id, r.test_build_id, tn.test_name, tn.test_name_description, trc.launcher, trc.resource_mgr, trc.parameters, trc.network, r.np, r.full_command, d.description, r.start_timestamp, r.submit_timestamp, r.duration, r.trial, r.test_result, e.environment, r.result_stdout, r.result_stderr, m.result_message, r.merge_stdout_stderr, r.exit_value, r.exit_signal FROM v3.test_run r LEFT JOIN v3.test_names tn ON tn.test_name_id = r.test_name_id LEFT JOIN v3.test_run_command trc ON trc.test_run_command_id = r.test_run_command_id LEFT JOIN v3.description d ON d.description_id = r.description_id LEFT JOIN v3.environment e ON e.environment_id = r.environment_id LEFT JOIN v3.result_message m ON m.result_message_id = r.result_message_id WHERE r.test_run_id <> 0) t
LEFT JOIN submit s ON s.old_submit_id = t.submit_id LEFT JOIN test_build b ON b.old_test_build_id = t.test_build_id;

COMMIT;
