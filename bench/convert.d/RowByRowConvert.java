import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * bench/convert's row-by-row baseline: the old Perl converter's approach, test_run only. One
 * streamed SELECT of the joined v3 rows (a cursor, as DBI's fetchrow loop), then per row a SELECT
 * of the mapped flat ids and an INSERT, each a round trip, in autocommit (DBI's default).
 * Prepared statements, as DBD::Pg prepares server-side. The flat base tables must be converted
 * already (bench/convert runs it after fastcopy convert); rows go into a scratch copy of flat's
 * test_run without indexes (no index upkeep: the baseline's best case), emptied first.
 *
 * <p>Runs until the v3 rows end or the time budget is spent; prints "rows=N wall_s=S".
 *
 * <p>Usage: java -cp target/fastcopy.jar bench/convert.d/RowByRowConvert.java V3_JDBC_URL FLAT_JDBC_URL SECONDS
 * (passwords from PGPASSFILE, which PgJDBC reads; none on the command line).
 */
public final class RowByRowConvert {
    private static final String V3_SELECT = "SELECT r.test_run_id, r.submit_id, r.test_build_id, tn.test_name, "
            + "tn.test_name_description, trc.launcher, trc.resource_mgr, trc.parameters, trc.network, r.np, "
            + "r.full_command, d.description, r.start_timestamp, r.submit_timestamp, r.duration::text, r.trial, "
            + "r.test_result, e.environment, r.result_stdout, r.result_stderr, m.result_message, "
            + "r.merge_stdout_stderr, r.exit_value, r.exit_signal FROM test_run r"
            + " LEFT JOIN test_names tn ON tn.test_name_id = r.test_name_id"
            + " LEFT JOIN test_run_command trc ON trc.test_run_command_id = r.test_run_command_id"
            + " LEFT JOIN description d ON d.description_id = r.description_id"
            + " LEFT JOIN environment e ON e.environment_id = r.environment_id"
            + " LEFT JOIN result_message m ON m.result_message_id = r.result_message_id"
            + " WHERE r.test_run_id <> 0";
    private static final String LOOKUP = "SELECT coalesce((SELECT submit_id FROM submit WHERE old_submit_id = ?), 0), "
            + "coalesce(b.test_build_id, 0), coalesce(b.mpi_install_id, 0) FROM (SELECT 1) one "
            + "LEFT JOIN test_build b ON b.old_test_build_id = ?";
    private static final String INSERT = "INSERT INTO rbr_test_run (old_test_run_id, submit_id, mpi_install_id, "
            + "test_build_id, test_name, test_name_description, launcher, resource_mgr, parameters, network, np, "
            + "full_command, description, start_timestamp, submit_timestamp, duration, trial, test_result, environment, "
            + "result_stdout, result_stderr, result_message, merge_stdout_stderr, exit_value, exit_signal) VALUES "
            + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::interval, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    public static void main(String[] args) throws SQLException {
        if (args.length != 3) {
            System.err.println("usage: RowByRowConvert V3_JDBC_URL FLAT_JDBC_URL SECONDS");
            System.exit(2);
        }
        long budgetNanos = (long) (Double.parseDouble(args[2]) * 1e9);
        try (Connection v3 = DriverManager.getConnection(args[0]); Connection flat = DriverManager.getConnection(args[1])) {
            try (Statement st = flat.createStatement()) {
                st.execute("DROP TABLE IF EXISTS rbr_test_run");
                st.execute("CREATE TABLE rbr_test_run (LIKE test_run INCLUDING DEFAULTS)");
            }
            v3.setAutoCommit(false); // a cursor (fetch size) needs a transaction
            long rows = 0;
            long t0 = System.nanoTime();
            try (Statement sel = v3.createStatement(); PreparedStatement lookup = flat.prepareStatement(LOOKUP);
                 PreparedStatement insert = flat.prepareStatement(INSERT)) {
                sel.setFetchSize(1000);
                try (ResultSet r = sel.executeQuery(V3_SELECT)) {
                    while (r.next() && System.nanoTime() - t0 < budgetNanos) {
                        lookup.setInt(1, r.getInt(2));
                        lookup.setInt(2, r.getInt(3));
                        int submit;
                        int install;
                        int build;
                        try (ResultSet ids = lookup.executeQuery()) {
                            ids.next();
                            submit = ids.getInt(1);
                            build = ids.getInt(2);
                            install = ids.getInt(3);
                        }
                        insert.setInt(1, r.getInt(1));
                        insert.setInt(2, submit);
                        insert.setInt(3, install);
                        insert.setInt(4, build);
                        for (int c = 4; c <= 24; c++) {
                            insert.setObject(c + 1, r.getObject(c));
                        }
                        insert.executeUpdate();
                        rows++;
                    }
                }
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            v3.rollback();
            System.out.printf(java.util.Locale.ROOT, "rows=%d wall_s=%.2f%n", rows, wall);
        }
    }
}
