package org.fastcopy.blob;

import org.fastcopy.verify.VerifyMode;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares the large objects of two databases, a page of oids at a time on both sides: which oids
 * exist ({@code counts}), and with {@code checksums} each object's size and an md5 over its data.
 *
 * <p>The md5 is computed by each server over 1 MB pieces ({@code lo_get} in a recursive query,
 * one piece in memory at a time), the md5 of the pieces' md5s: only 40 bytes per object cross the
 * network, and an object over 1 GB (more than one bytea can hold) is no exception.
 */
public final class LargeObjectVerifier {
    static final int PAGE = 1000;
    private static final int EXAMPLES = 10;
    private static final long MAX_OID = 4294967295L;

    private static final String OIDS = """
            SELECT m.oid::bigint, '' FROM pg_catalog.pg_largeobject_metadata m
             WHERE m.oid > ?::bigint::oid AND m.oid <= ?::bigint::oid ORDER BY 1
            """;

    private static final String DIGESTS = """
            WITH RECURSIVE piece(o, off, n, h) AS (
                SELECT m.oid, 0::bigint, octet_length(d.b), md5(d.b)
                  FROM pg_catalog.pg_largeobject_metadata m,
                       LATERAL (SELECT pg_catalog.lo_get(m.oid, 0, 1048576) AS b) d
                 WHERE m.oid > ?::bigint::oid AND m.oid <= ?::bigint::oid
              UNION ALL
                SELECT p.o, p.off + p.n, octet_length(d.b), md5(d.b)
                  FROM piece p, LATERAL (SELECT pg_catalog.lo_get(p.o, p.off + p.n, 1048576) AS b) d
                 WHERE p.n = 1048576
            )
            SELECT o::bigint, sum(n)::bigint || ' bytes, md5 ' || md5(string_agg(h, '' ORDER BY off))
              FROM piece GROUP BY o ORDER BY 1
            """;

    /**
     * @param compared   objects on the source side
     * @param differing  objects missing, extra or different on the target
     * @param examples   the first few differences, each naming its oid
     */
    public record Result(long compared, long differing, List<String> examples) {
        public boolean ok() {
            return differing == 0;
        }
    }

    private LargeObjectVerifier() {
    }

    /**
     * @param source a session in the snapshot the copy read
     * @param target a session on the target database
     */
    public static Result compare(Connection source, Connection target, VerifyMode mode) throws SQLException {
        String sql = mode == VerifyMode.CHECKSUMS ? DIGESTS : OIDS;
        long compared = 0;
        long differing = 0;
        List<String> examples = new ArrayList<>();
        long after = 0;
        while (true) {
            // The source's page decides the oid range; the target is read over the same range, so
            // objects only the target has are found too.
            List<Long> page = oidPage(source, after);
            long upTo = page.size() < PAGE ? MAX_OID : page.get(page.size() - 1);
            Map<Long, String> src = digests(source, sql, after, upTo);
            Map<Long, String> dst = digests(target, sql, after, upTo);
            compared += src.size();
            TreeSet<Long> all = new TreeSet<>(src.keySet());
            all.addAll(dst.keySet());
            for (long oid : all) {
                String a = src.get(oid);
                String b = dst.get(oid);
                if (Objects.equals(a, b)) {
                    continue;
                }
                differing++;
                if (examples.size() < EXAMPLES) {
                    examples.add(a == null ? "large object " + oid + " exists only on the target"
                            : b == null ? "large object " + oid + " is missing on the target"
                            : String.format(Locale.ROOT, "large object %d: source %s, target %s", oid, a, b));
                }
            }
            if (upTo == MAX_OID) {
                return new Result(compared, differing, List.copyOf(examples));
            }
            after = upTo;
        }
    }

    private static List<Long> oidPage(Connection c, long after) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT m.oid::bigint FROM pg_catalog.pg_largeobject_metadata m"
                + " WHERE m.oid > ?::bigint::oid ORDER BY m.oid LIMIT ?")) {
            ps.setLong(1, after);
            ps.setInt(2, PAGE);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    private static Map<Long, String> digests(Connection c, String sql, long after, long upTo) throws SQLException {
        Map<Long, String> out = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, after);
            ps.setLong(2, upTo);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        return out;
    }
}
