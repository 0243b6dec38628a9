package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.ServerError;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Phase 5: flat against v3 on the same server, independent of the converter's own ledger and
 * check. Row counts of the four tables (sentinels left out), and for the three result tables the
 * rows per month of start_timestamp (the unit the runbook's hand-picked ranges were cut in): a
 * range lost or converted twice shows as the month it sits in. The field-by-field comparison
 * follows in phase 5 through convert's own verifier ({@link FlatConversion#verifyAll}).
 */
final class FlatCheck {
    private static final List<String> TABLES = List.of("submit", "mpi_install", "test_build", "test_run");
    private static final List<String> RESULTS = List.of("mpi_install", "test_build", "test_run");

    private FlatCheck() {
    }

    /** What was compared, for the ledger; differences fail with exit 5 naming them. */
    static Map<String, Object> verify(Servers servers, Endpoint server, String v3, String flat) {
        Map<String, Long> v3Counts;
        Map<String, Long> flatCounts;
        try (Connection a = servers.open(server, v3); Connection b = servers.open(server, flat)) {
            v3Counts = counts(a);
            flatCounts = counts(b);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "verify flat against v3 on " + server + " failed: "
                    + ServerError.describe(e), e);
        }
        Map<String, String> diff = new LinkedHashMap<>();
        for (String key : new TreeSet<>(union(v3Counts, flatCounts))) {
            long x = v3Counts.getOrDefault(key, 0L);
            long y = flatCounts.getOrDefault(key, 0L);
            if (x != y) {
                diff.put(key, "v3 " + x + ", flat " + y);
            }
        }
        if (!diff.isEmpty()) {
            throw new FastcopyException(FastcopyException.VERIFY_MISMATCH, "flat differs from v3 in " + diff.size()
                    + " counts: " + first(diff, 10));
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("counts_compared", v3Counts.size());
        for (String t : TABLES) {
            details.put("rows_" + t, v3Counts.get(t));
        }
        return details;
    }

    private static Map<String, Long> counts(Connection c) throws SQLException {
        Map<String, Long> m = new TreeMap<>();
        try (Statement st = c.createStatement()) {
            for (String t : TABLES) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + t + " WHERE " + t + "_id <> 0")) {
                    rs.next();
                    m.put(t, rs.getLong(1));
                }
            }
            for (String t : RESULTS) {
                try (ResultSet rs = st.executeQuery("SELECT to_char(date_trunc('month', start_timestamp), 'YYYY-MM'), "
                        + "count(*) FROM " + t + " WHERE " + t + "_id <> 0 GROUP BY 1")) {
                    while (rs.next()) {
                        m.put(t + ":" + rs.getString(1), rs.getLong(2));
                    }
                }
            }
        }
        return m;
    }

    private static java.util.Set<String> union(Map<String, Long> a, Map<String, Long> b) {
        java.util.Set<String> s = new TreeSet<>(a.keySet());
        s.addAll(b.keySet());
        return s;
    }

    private static String first(Map<String, String> diff, int n) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (Map.Entry<String, String> e : diff.entrySet()) {
            if (i++ == n) {
                sb.append("; ...");
                break;
            }
            sb.append(i == 1 ? "" : "; ").append(e.getKey()).append(" (").append(e.getValue()).append(')');
        }
        return sb.toString();
    }
}
