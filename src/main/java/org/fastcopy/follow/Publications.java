package org.fastcopy.follow;

import org.fastcopy.pg.ServerFeatures;
import org.fastcopy.pg.UserRelations;
import org.fastcopy.pg.UserRelations.Relation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.fastcopy.util.Sql.ident;

/**
 * The publications that tell pgoutput which tables' changes to send: one FOR TABLE list of every
 * persistent table the copy reads (each with ONLY: an inheritance parent's children are listed
 * themselves, and a change is sent for the physical table it happened in), and with
 * --follow-insert-only a second one of the keyless tables that publishes INSERTs (and TRUNCATE)
 * only. Created before the slot: pgoutput reads the publications as of each change's position in
 * the WAL, and a publication created after the slot's start point would be missing there.
 * Unlogged tables write no WAL and cannot be published; they are copied once, not followed.
 */
final class Publications {
    private static final String PERSISTENT_TABLES = """
            SELECT n.nspname, c.relname
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r' AND c.relpersistence = 'p' AND n.nspname <> '_fastcopy'
            """ + "   AND " + UserRelations.USER_SCHEMA + "\n   AND " + UserRelations.NOT_EXTENSION_MEMBER + """
             ORDER BY 1, 2
            """;

    private Publications() {
    }

    /** @return the publication names to stream from, in pgoutput's publication_names form */
    static String create(Connection source, FollowSpec spec, List<Relation> keyless) throws SQLException {
        Set<Relation> insertOnly = new HashSet<>(keyless);
        List<Relation> full = new ArrayList<>();
        for (Relation t : persistentTables(source)) {
            if (!insertOnly.contains(t)) {
                full.add(t);
            }
        }
        try (Statement st = source.createStatement()) {
            st.execute("CREATE PUBLICATION " + ident(spec.publication()) + forTables(full));
            if (keyless.isEmpty()) {
                return ident(spec.publication());
            }
            String publish = ServerFeatures.atLeast(source, 110_000) ? "insert, truncate" : "insert";
            st.execute("CREATE PUBLICATION " + ident(spec.insertOnlyPublication()) + forTables(keyless)
                    + " WITH (publish = '" + publish + "')");
            return ident(spec.publication()) + "," + ident(spec.insertOnlyPublication());
        }
    }

    /** The publication_names of a resumed run: whichever of the two exist. */
    static String existing(Connection source, FollowSpec spec) throws SQLException {
        List<String> names = new ArrayList<>();
        for (String p : List.of(spec.publication(), spec.insertOnlyPublication())) {
            try (PreparedStatement ps = source.prepareStatement("SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = ?")) {
                ps.setString(1, p);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        names.add(ident(p));
                    }
                }
            }
        }
        return String.join(",", names);
    }

    static void drop(Connection source, FollowSpec spec) throws SQLException {
        try (Statement st = source.createStatement()) {
            st.execute("DROP PUBLICATION IF EXISTS " + ident(spec.publication()));
            st.execute("DROP PUBLICATION IF EXISTS " + ident(spec.insertOnlyPublication()));
        }
    }

    /** Tables that exist on the source now but are in neither publication: created after the copy. */
    static List<Relation> unpublished(Connection source, FollowSpec spec) throws SQLException {
        List<Relation> out = new ArrayList<>();
        try (PreparedStatement ps = source.prepareStatement("SELECT t.nspname, t.relname FROM (" + PERSISTENT_TABLES
                + ") t(nspname, relname) WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication_tables p"
                + " WHERE p.pubname IN (?, ?) AND p.schemaname = t.nspname AND p.tablename = t.relname)")) {
            ps.setString(1, spec.publication());
            ps.setString(2, spec.insertOnlyPublication());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Relation(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return out;
    }

    private static List<Relation> persistentTables(Connection source) throws SQLException {
        List<Relation> out = new ArrayList<>();
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery(PERSISTENT_TABLES)) {
            while (rs.next()) {
                out.add(new Relation(rs.getString(1), rs.getString(2)));
            }
        }
        return out;
    }

    private static String forTables(List<Relation> tables) {
        if (tables.isEmpty()) {
            return "";
        }
        return tables.stream().map(t -> "ONLY " + t.qualifiedName()).collect(Collectors.joining(", ", " FOR TABLE ", ""));
    }
}
