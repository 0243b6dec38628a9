package org.fastcopy.blob;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads large objects on the source, on a session inside the run's snapshot: catalogue pages in
 * oid order with each object's head, and the rest of a big object piece by piece. Reads go
 * through lo_get, never pg_largeobject itself, which only a superuser may read.
 */
final class LargeObjectSource implements AutoCloseable {
    // The LIMIT sits in a subquery so that lo_get runs for the page's rows only, whatever the plan.
    private static final String PAGE_SQL = """
            SELECT p.oid::bigint, p.owner, p.comment, p.has_acl, pg_catalog.lo_get(p.oid, 0, ?)
              FROM (SELECT m.oid, pg_catalog.pg_get_userbyid(m.lomowner) AS owner,
                           pg_catalog.obj_description(m.oid, 'pg_largeobject') AS comment,
                           m.lomacl IS NOT NULL AS has_acl
                      FROM pg_catalog.pg_largeobject_metadata m
                     WHERE m.oid > ?::bigint::oid
                     ORDER BY m.oid LIMIT ?) p
             ORDER BY p.oid
            """;

    // In lomacl's own order: the target's GRANTs append in the order they run, and an ACL whose
    // items come in another order prints differently (pg_dump, psql's \lo_list), though it grants the same.
    private static final String GRANTS_SQL = """
            SELECT m.oid::bigint, CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
                   a.privilege_type, a.is_grantable
              FROM pg_catalog.pg_largeobject_metadata m,
                   ROWS FROM (pg_catalog.aclexplode(m.lomacl)) WITH ORDINALITY AS a(grantor, grantee, privilege_type, is_grantable, n)
             WHERE m.oid > ?::bigint::oid AND m.oid <= ?::bigint::oid
             ORDER BY 1, a.n
            """;

    private final Connection src;
    private final PreparedStatement page;
    private final PreparedStatement piece;

    /** @param src a session that imported the run's snapshot; the caller closes it */
    LargeObjectSource(Connection src) throws SQLException {
        this.src = src;
        this.page = src.prepareStatement(PAGE_SQL);
        this.piece = src.prepareStatement("SELECT pg_catalog.lo_get(?::bigint::oid, ?, ?)");
    }

    /**
     * Up to {@code size} objects with oids above {@code after}, in oid order, each with its first
     * {@code headBytes} (all of it when shorter) and, when lomacl is set, its grants.
     */
    List<LargeObject> page(long after, int size, int headBytes) throws SQLException {
        List<LargeObject> out = new ArrayList<>();
        page.setInt(1, headBytes);
        page.setLong(2, after);
        page.setInt(3, size);
        try (ResultSet rs = page.executeQuery()) {
            while (rs.next()) {
                out.add(new LargeObject(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBoolean(4), List.of(),
                        rs.getBytes(5)));
            }
        }
        return out.stream().anyMatch(LargeObject::hasAcl) ? withGrants(out, after) : out;
    }

    /** {@code length} bytes of the object from {@code offset}: fewer at its end, none past it. */
    byte[] piece(long oid, long offset, int length) throws SQLException {
        piece.setLong(1, oid);
        piece.setLong(2, offset);
        piece.setInt(3, length);
        try (ResultSet rs = piece.executeQuery()) {
            rs.next();
            return rs.getBytes(1);
        }
    }

    private List<LargeObject> withGrants(List<LargeObject> objects, long after) throws SQLException {
        Map<Long, List<LargeObject.Grant>> grants = new HashMap<>();
        try (PreparedStatement ps = src.prepareStatement(GRANTS_SQL)) {
            ps.setLong(1, after);
            ps.setLong(2, objects.get(objects.size() - 1).oid());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    grants.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                            .add(new LargeObject.Grant(rs.getString(2), rs.getString(3), rs.getBoolean(4)));
                }
            }
        }
        return objects.stream().map(lo -> lo.hasAcl() ? lo.withGrants(grants.getOrDefault(lo.oid(), List.of())) : lo)
                .toList();
    }

    @Override
    public void close() throws SQLException {
        try {
            page.close();
        } finally {
            piece.close();
        }
    }
}
