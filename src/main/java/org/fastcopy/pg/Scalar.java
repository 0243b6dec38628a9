package org.fastcopy.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * One-value queries: the first column of the first row. A query that returns no row is a bug in
 * the query (every caller asks for a count, an aggregate or a coalesce), so it fails with the SQL
 * named instead of JDBC's "ResultSet not positioned properly". Parameters are bound, never spliced.
 */
public final class Scalar {
    private Scalar() {
    }

    /** A bigint value; SQL NULL reads as 0, as {@link ResultSet#getLong} has it. */
    public static long longValue(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
            return first(rs, sql).getLong(1);
        }
    }

    /** A text value, null for SQL NULL. */
    public static String text(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
            return first(rs, sql).getString(1);
        }
    }

    /** A boolean value; SQL NULL reads as false. */
    public static boolean bool(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
            return first(rs, sql).getBoolean(1);
        }
    }

    /** A double value, null for SQL NULL (a rate that was never measured is not a rate of 0). */
    public static Double doubleOrNull(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
            double v = first(rs, sql).getDouble(1);
            return rs.wasNull() ? null : v;
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps;
        } catch (SQLException e) {
            ps.close();
            throw e;
        }
    }

    private static ResultSet first(ResultSet rs, String sql) throws SQLException {
        if (!rs.next()) {
            throw new SQLException("query returned no row: " + sql);
        }
        return rs;
    }
}
