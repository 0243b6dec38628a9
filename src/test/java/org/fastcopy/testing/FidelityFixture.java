package org.fastcopy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A database of our own holding every object kind pg_dump knows, with data at the edges of the
 * built-in types: the fixture of the fidelity tests. Its SQL lives in
 * {@code src/test/resources/fidelity/}, in parts named by the oldest server that can run them
 * ({@code 0906-base.sql} for 9.6, {@code 1400-sql-standard-bodies.sql} for 14), so one fixture
 * serves every source version: a server gets the parts up to its own version.
 *
 * <p>Each part runs as one statement list in one transaction, so a part is there whole or not at
 * all. The objects name the roles {@link #ROLES}; roles are global, so {@link #createRoles} must
 * have run on both the source and the target server first (a copy does not create roles).
 */
public final class FidelityFixture {
    /** The roles the fixture's objects are owned by or granted to. */
    public static final List<String> ROLES = List.of("fx_owner", "fx_app", "fx_reader");

    /** In the order they apply; each name starts with the oldest server version it needs (MMmm). */
    static final List<String> PARTS = List.of("0906-base.sql", "1000-partitions.sql", "1100-procedures.sql",
            "1200-generated.sql", "1300-types.sql", "1400-sql-standard-bodies.sql", "1500-views-and-publications.sql");

    private FidelityFixture() {
    }

    /** Creates {@link #ROLES} on the connection's server where they are missing. */
    public static void createRoles(Connection superuser) {
        run(superuser, "roles.sql");
    }

    /**
     * Fills an empty database (the connection must be a superuser's: event triggers, text search
     * parsers and base types need one) with the parts its server supports.
     *
     * @param serverVersionNum the server's {@code server_version_num}, e.g. 150004
     * @return the parts applied, in order
     */
    public static List<String> create(Connection superuser, int serverVersionNum) {
        List<String> applied = new ArrayList<>();
        for (String part : PARTS) {
            if (minimumVersionNum(part) <= serverVersionNum) {
                run(superuser, part);
                applied.add(part);
            }
        }
        return applied;
    }

    /** "1400-x.sql" needs 140000; "0906-x.sql" needs 90600. */
    static int minimumVersionNum(String part) {
        return Integer.parseInt(part.substring(0, 4)) * 100;
    }

    private static void run(Connection c, String part) {
        String sql = read(part);
        try {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute(sql);
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw new IllegalStateException("fidelity fixture part " + part + " failed: " + e.getMessage(), e);
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("fidelity fixture part " + part + ": " + e.getMessage(), e);
        }
    }

    private static String read(String part) {
        try (InputStream in = FidelityFixture.class.getResourceAsStream("/fidelity/" + part)) {
            if (in == null) {
                throw new IllegalStateException("fidelity fixture part " + part + " is not on the test class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
