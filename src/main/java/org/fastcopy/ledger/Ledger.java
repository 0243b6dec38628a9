package org.fastcopy.ledger;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a copy has finished, kept in the target database itself (schema {@code _fastcopy}) so that a
 * unit's rows and its "done" mark commit in one transaction: after a crash a unit is either fully
 * there and marked, or absent and unmarked. {@code --resume} reads the marks and redoes the rest.
 * A run that finishes drops the schema; the schema-only comparison leaves it out meanwhile.
 *
 * <p>Three kinds of marks: units of table data ({@link #markUnitDone}), schema statements that
 * ran (post-data entries, {@link #markStepsSql}, appended to the batch that runs them), and run-level facts such as the phase reached
 * ({@link #put}).
 */
public final class Ledger {
    public static final String SCHEMA = "_fastcopy";

    private static final String CREATE = """
            CREATE SCHEMA IF NOT EXISTS _fastcopy;
            CREATE TABLE IF NOT EXISTS _fastcopy.run (key text PRIMARY KEY, value text NOT NULL,
                                                       at timestamptz NOT NULL DEFAULT clock_timestamp());
            CREATE TABLE IF NOT EXISTS _fastcopy.unit (key text PRIMARY KEY, rows bigint NOT NULL, bytes bigint NOT NULL,
                                                        done_at timestamptz NOT NULL DEFAULT clock_timestamp());
            CREATE TABLE IF NOT EXISTS _fastcopy.step (key text PRIMARY KEY,
                                                        done_at timestamptz NOT NULL DEFAULT clock_timestamp());
            """;

    private Ledger() {
    }

    /** Creates the ledger tables (idempotent). */
    public static void create(Connection target) {
        run(target, CREATE, "create the fastcopy ledger");
    }

    /** True when the database has a ledger, i.e. an earlier run can be resumed. */
    public static boolean exists(Connection target) {
        try (Statement st = target.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('_fastcopy.unit') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        } catch (SQLException e) {
            throw fail("read the fastcopy ledger", e);
        }
    }

    /**
     * SQL that marks a unit done, to send with the statements that end its transaction: one round
     * trip for the mark and the commit instead of one each.
     */
    public static String markUnitDoneSql(String unitKey, long rows, long bytes) {
        return "INSERT INTO _fastcopy.unit (key, rows, bytes) VALUES (" + org.fastcopy.util.Sql.literal(unitKey) + ", "
                + rows + ", " + bytes + ");";
    }

    /** SQL that records a run-level fact, as {@link #put} does. */
    public static String putSql(String key, String value) {
        return "INSERT INTO _fastcopy.run (key, value) VALUES (" + org.fastcopy.util.Sql.literal(key) + ", "
                + org.fastcopy.util.Sql.literal(value)
                + ") ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, at = clock_timestamp();";
    }

    /** SQL that marks these step keys done; runs inside the caller's transaction. */
    public static String markStepsSql(List<String> keys) {
        if (keys.isEmpty()) {
            return "";
        }
        return keys.stream().map(org.fastcopy.util.Sql::literal)
                .collect(java.util.stream.Collectors.joining("), (", "INSERT INTO _fastcopy.step (key) VALUES (",
                        ") ON CONFLICT (key) DO NOTHING;"));
    }

    /** {rows, bytes} of one unit if its mark is committed: a retry's check that the attempt before did not commit. */
    public static Optional<long[]> unitDone(Connection target, String unitKey) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("SELECT rows, bytes FROM _fastcopy.unit WHERE key = ?")) {
            ps.setString(1, unitKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new long[] {rs.getLong(1), rs.getLong(2)}) : Optional.empty();
            }
        }
    }

    /** Units already done, with their row counts. */
    public static Map<String, Long> doneUnits(Connection target) {
        Map<String, Long> done = new HashMap<>();
        try (Statement st = target.createStatement(); ResultSet rs = st.executeQuery("SELECT key, rows FROM _fastcopy.unit")) {
            while (rs.next()) {
                done.put(rs.getString(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw fail("read the fastcopy ledger", e);
        }
        return done;
    }

    public static Set<String> doneSteps(Connection target) {
        Set<String> done = new HashSet<>();
        try (Statement st = target.createStatement(); ResultSet rs = st.executeQuery("SELECT key FROM _fastcopy.step")) {
            while (rs.next()) {
                done.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw fail("read the fastcopy ledger", e);
        }
        return done;
    }

    /** Records a run-level fact (autocommit or the caller's transaction). */
    public static void put(Connection target, String key, String value) {
        try (PreparedStatement ps = target.prepareStatement(
                "INSERT INTO _fastcopy.run (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, at = clock_timestamp()")) {
            ps.setString(1, key);
            ps.setString(2, value);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw fail("write the fastcopy ledger", e);
        }
    }

    public static Optional<String> get(Connection target, String key) {
        try (PreparedStatement ps = target.prepareStatement("SELECT value FROM _fastcopy.run WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw fail("read the fastcopy ledger", e);
        }
    }

    /** Run-level facts whose keys start with {@code prefix}, by key. */
    public static Map<String, String> getAll(Connection target, String prefix) {
        Map<String, String> out = new HashMap<>();
        try (PreparedStatement ps = target.prepareStatement("SELECT key, value FROM _fastcopy.run WHERE starts_with(key, ?)")) {
            ps.setString(1, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        } catch (SQLException e) {
            throw fail("read the fastcopy ledger", e);
        }
        return out;
    }

    /** Removes the ledger after a finished run. */
    public static void drop(Connection target) {
        run(target, "DROP SCHEMA IF EXISTS _fastcopy CASCADE", "drop the fastcopy ledger");
    }

    private static void run(Connection target, String sql, String what) {
        try (Statement st = target.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw fail(what, e);
        }
    }

    private static FastcopyException fail(String what, SQLException e) {
        return new FastcopyException(FastcopyException.FAILED, "could not " + what + ": " + ServerError.describe(e), e);
    }
}
