package org.fastcopy.generate;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fastcopy.FastcopyException;
import org.fastcopy.pg.Scalar;
import org.fastcopy.pg.ServerError;

/** Measures what the generator made: the database size and the biggest tables. */
final class SizeProbe {
    private static final int BIGGEST = 6;

    /**
     * @param databaseBytes pg_database_size
     * @param biggestTables largest first; a result table with all its children
     * @param took          how long the measuring took
     */
    record Sizes(long databaseBytes, Map<String, Long> biggestTables, Duration took) {
    }

    /**
     * A table's size counts its indexes and TOAST; a result table's also its children's, found
     * through pg_inherits (one level: the children have no children).
     */
    private static final String TABLE_SIZES = """
            SELECT c.relname,
                   pg_total_relation_size(c.oid)
                   + coalesce((SELECT sum(pg_total_relation_size(i.inhrelid))
                                 FROM pg_inherits i WHERE i.inhparent = c.oid
                                  AND c.relname <> 'results_fields'), 0) AS bytes
              FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
               AND NOT EXISTS (SELECT 1 FROM pg_inherits i
                                WHERE i.inhrelid = c.oid AND i.inhparent <> 'results_fields'::regclass)
             ORDER BY bytes DESC, c.relname
             LIMIT\s""" + BIGGEST;

    private SizeProbe() {
    }

    static Sizes measure(SqlWorkers workers) {
        long t0 = System.nanoTime();
        try (Connection c = workers.open("measure"); Statement st = c.createStatement()) {
            long databaseBytes = Scalar.longValue(c, "SELECT pg_database_size(current_database())");
            Map<String, Long> tables = new LinkedHashMap<>();
            try (ResultSet rs = st.executeQuery(TABLE_SIZES)) {
                while (rs.next()) {
                    tables.put(rs.getString(1), rs.getLong(2));
                }
            }
            return new Sizes(databaseBytes, tables, Duration.ofNanos(System.nanoTime() - t0));
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "generate: measuring sizes failed: "
                    + ServerError.describe(e), e);
        }
    }
}
