package org.fastcopy.verify;

import java.math.BigInteger;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.qualified;

/**
 * What one side holds of one table: the row count and, in checksum mode, the sum of a 64-bit hash
 * of every row. A sum does not depend on row order (physical order differs between source and
 * target), and numeric arithmetic keeps it from overflowing.
 */
public record TableDigest(long rows, BigInteger hashSum) {
    /** The table does not exist on that side. */
    public static final TableDigest MISSING = new TableDigest(-1, BigInteger.ZERO);

    /**
     * Session settings that fix the text form of every value, so equal rows render the same on
     * two servers even when their defaults differ (dates, floats, bytea, intervals, time zones).
     */
    public static final String CANONICAL_SETTINGS =
            "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC'; "
                    + "SET extra_float_digits = 3; SET bytea_output = 'hex'; SET search_path = ''";

    /**
     * The query for one table. ONLY, because inheritance children are digested on their own; an
     * explicit column list, because the two sides may order their columns differently (an
     * inheritance child's local columns) while holding the same rows.
     */
    public static String query(String schema, String table, List<String> columns, VerifyMode mode) {
        return query(schema, table, columns, mode, false);
    }

    /**
     * @param toUtf8 hash the row's text converted to UTF-8 instead of its bytes in the server
     *               encoding: md5(text) hashes those bytes, so 'é' in a LATIN1 database and in a
     *               UTF8 one would hash apart. Not for SQL_ASCII, whose bytes are passed on
     *               unconverted (and convert_to would refuse the invalid ones).
     */
    public static String query(String schema, String table, List<String> columns, VerifyMode mode, boolean toUtf8) {
        return query(schema, table, columns, mode, toUtf8, Map.of());
    }

    /**
     * @param sendFunctions columns hashed through a send function (e.g. float8send) rather than
     *                      their text: float text output changed in PostgreSQL 12 (shortest exact
     *                      digits instead of %.17g), so the same double prints differently on an
     *                      11 and a 12 server, while its bits are the same
     */
    public static String query(String schema, String table, List<String> columns, VerifyMode mode, boolean toUtf8,
                               Map<String, String> sendFunctions) {
        String from = " FROM ONLY " + qualified(schema, table) + " AS t";
        if (mode == VerifyMode.CHECKSUMS && !columns.isEmpty()) {
            String row = columns.stream().map(c -> sendFunctions.containsKey(c)
                            ? "pg_catalog." + sendFunctions.get(c) + "(t." + ident(c) + ")" : "t." + ident(c))
                    .collect(Collectors.joining(", ", "ROW(", ")"));
            String text = toUtf8 ? "convert_to(" + row + "::text, 'UTF8')" : row + "::text";
            return "SELECT count(*), coalesce(sum(('x' || substr(md5(" + text + "), 1, 16))::bit(64)::bigint::numeric), 0)" + from;
        }
        return "SELECT count(*), 0" + from;
    }
}
