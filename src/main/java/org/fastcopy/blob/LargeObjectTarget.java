package org.fastcopy.blob;

import org.fastcopy.ledger.Ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.fastcopy.util.Sql.ident;
import static org.fastcopy.util.Sql.literal;

/**
 * Creates large objects on the target, one open transaction at a time: objects whose head is all
 * of them wait and go in one statement; a big one streams piece by piece straight from the source;
 * owner, comment and privilege statements follow at commit, with the ledger mark.
 *
 * <p>Hazard: COMMENT, ALTER ... OWNER and GRANT lock each object until commit, so a transaction
 * holds at most a page of objects (see {@link LargeObjectCopier#PAGE}), well inside the lock table.
 */
final class LargeObjectTarget implements AutoCloseable {
    /** What a commit made durable. */
    record Committed(long objects, long bytes) {
    }

    private final Connection dst;
    private final Set<String> roles = new HashSet<>();
    private final String currentUser;
    private final Map<String, Integer> missingRoles;
    private final boolean keepOwners;
    private final boolean keepPrivileges;
    private final PreparedStatement create;
    private final PreparedStatement put;
    private final List<LargeObject> smallPending = new ArrayList<>();
    private final List<String> metadata = new ArrayList<>();
    private long objects;
    private long bytes;

    /**
     * @param dst          a target session with autocommit off; the caller closes it
     * @param missingRoles counts, per role name, objects whose owner or grantee the target lacks
     */
    LargeObjectTarget(Connection dst, Map<String, Integer> missingRoles, boolean keepOwners, boolean keepPrivileges)
            throws SQLException {
        this.dst = dst;
        this.keepOwners = keepOwners;
        this.keepPrivileges = keepPrivileges;
        this.missingRoles = missingRoles;
        try (Statement st = dst.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT rolname FROM pg_catalog.pg_roles")) {
                while (rs.next()) {
                    roles.add(rs.getString(1));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT current_user")) {
                rs.next();
                currentUser = rs.getString(1);
            }
        }
        create = dst.prepareStatement("SELECT pg_catalog.lo_from_bytea(?::bigint::oid, ?)");
        put = dst.prepareStatement("SELECT pg_catalog.lo_put(?::bigint::oid, ?, ?)");
    }

    /** Objects are waiting in the open transaction. */
    boolean hasPending() {
        return objects > 0;
    }

    /** Bytes written in the open transaction. */
    long pendingBytes() {
        return bytes;
    }

    /**
     * Adds an object to the open transaction. One whose head is shorter than {@code headBytes} is
     * complete; any other is read on from {@code source} in pieces of {@code pieceBytes}.
     */
    void add(LargeObject lo, int headBytes, LargeObjectSource source, int pieceBytes) throws SQLException {
        if (lo.head().length < headBytes) {
            smallPending.add(lo);
            bytes += lo.head().length;
        } else {
            createSmall();
            bytes += stream(lo, source, pieceBytes);
        }
        metadata.addAll(metadataSql(lo));
        objects++;
    }

    /** Writes what is pending, marks the ledger "through {@code oid}" and commits. */
    Committed commit(String ledgerKey, long throughOid) throws SQLException {
        createSmall();
        if (!metadata.isEmpty()) {
            try (Statement st = dst.createStatement()) {
                for (String sql : metadata) {
                    st.addBatch(sql);
                }
                st.executeBatch();
            }
        }
        Ledger.put(dst, ledgerKey, "through " + throughOid);
        dst.commit();
        Committed done = new Committed(objects, bytes);
        metadata.clear();
        objects = 0;
        bytes = 0;
        return done;
    }

    /** Creates the pending complete objects: one statement, one round trip. */
    private void createSmall() throws SQLException {
        if (smallPending.isEmpty()) {
            return;
        }
        String sql = smallPending.stream().map(lo -> "pg_catalog.lo_from_bytea(?::bigint::oid, ?)")
                .collect(Collectors.joining(", ", "SELECT ", ""));
        try (PreparedStatement ps = dst.prepareStatement(sql)) {
            int p = 1;
            for (LargeObject lo : smallPending) {
                ps.setLong(p++, lo.oid());
                ps.setBytes(p++, lo.head());
            }
            ps.executeQuery().close();
        }
        smallPending.clear();
    }

    /** The head, then a piece at a time until a short one: one piece in memory, whatever the size. */
    private long stream(LargeObject lo, LargeObjectSource source, int pieceBytes) throws SQLException {
        create.setLong(1, lo.oid());
        create.setBytes(2, lo.head());
        create.executeQuery().close();
        long offset = lo.head().length;
        while (true) {
            byte[] piece = source.piece(lo.oid(), offset, pieceBytes);
            if (piece.length > 0) {
                put.setLong(1, lo.oid());
                put.setLong(2, offset);
                put.setBytes(3, piece);
                put.executeQuery().close();
                offset += piece.length;
            }
            if (piece.length < pieceBytes) {
                return offset;
            }
        }
    }

    /** ALTER OWNER (when the role exists on the target), COMMENT, and lomacl as REVOKE + GRANTs. */
    private List<String> metadataSql(LargeObject lo) {
        List<String> out = new ArrayList<>();
        String oid = Long.toString(lo.oid());
        boolean ownerExists = roles.contains(lo.owner());
        String owner = ownerExists && keepOwners ? lo.owner() : currentUser;
        if (!keepOwners) {
            // --no-owner: the copying role keeps what it created
        } else if (!ownerExists) {
            missingRoles.merge(lo.owner(), 1, Integer::sum);
        } else if (!lo.owner().equals(currentUser)) {
            out.add("ALTER LARGE OBJECT " + oid + " OWNER TO " + ident(lo.owner()));
        }
        if (lo.comment() != null) {
            out.add("COMMENT ON LARGE OBJECT " + oid + " IS " + literal(lo.comment()));
        }
        if (lo.hasAcl() && keepPrivileges) {
            // lomacl replaces the owner's default rights: start from none, as pg_dump does. Grants
            // by a superuser are recorded as the owner's, which is what lomacl held.
            out.add("REVOKE ALL ON LARGE OBJECT " + oid + " FROM " + ident(owner));
            for (LargeObject.Grant g : lo.grants()) {
                String grantee;
                if (g.grantee() == null) {
                    grantee = "PUBLIC";
                } else if (g.grantee().equals(lo.owner())) {
                    grantee = ident(owner);
                } else if (roles.contains(g.grantee())) {
                    grantee = ident(g.grantee());
                } else {
                    missingRoles.merge(g.grantee(), 1, Integer::sum);
                    continue;
                }
                out.add("GRANT " + g.privilege() + " ON LARGE OBJECT " + oid + " TO " + grantee
                        + (g.grantable() ? " WITH GRANT OPTION" : ""));
            }
        }
        return out;
    }

    @Override
    public void close() throws SQLException {
        try {
            create.close();
        } finally {
            put.close();
        }
    }
}
