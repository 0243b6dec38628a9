package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.Scalar;
import org.fastcopy.pg.ServerError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.fastcopy.util.Sql.ident;

/**
 * The follower's publication on v3, and the weekly children created after it.
 *
 * <p>The publication holds the four result parents with their children (PostgreSQL expands a
 * table without ONLY to its inheritance children, but only those existing at that moment) and
 * the dimension tables flat inlines ({@link FollowDimension}). A child created later is in no
 * publication: its rows would be lost silently. So the follower looks for such children (every
 * second and before it stops), and adds each with {@code ALTER PUBLICATION ... ADD TABLE ONLY},
 * in a transaction that first takes the child's SHARE lock: writers in flight finish before, and
 * every later write is decoded with the child already published. Rows the child received before
 * are read from v3 and converted with the next batch, which also records the child in flat
 * ({@code _convert.follow_child}), so a crash before that commit reads them again.
 *
 * <p>Adding a table to a publication needs to own the table (and the publication). A
 * publication {@code FOR ALL TABLES} (a superuser's, created beforehand) needs nothing added:
 * every new child is in it from its creation.
 */
final class FollowPublication {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);
    static final String CREATE = "CREATE TABLE IF NOT EXISTS _convert.follow_child (slot_name text NOT NULL, "
            + "child text NOT NULL, PRIMARY KEY (slot_name, child))";
    private static final String PARENTS = "('submit', 'mpi_install', 'test_build', 'test_run')";
    /** Children of the result parents, with their parent and whether the publication has them. */
    private static final String CHILDREN = "SELECT c.relname, p.relname, EXISTS (SELECT 1 FROM pg_catalog.pg_publication_tables pt "
            + "WHERE pt.pubname = ? AND pt.schemaname = cn.nspname AND pt.tablename = c.relname) "
            + "FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid "
            + "JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace "
            + "JOIN pg_catalog.pg_class p ON p.oid = i.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace "
            + "WHERE pn.nspname = 'public' AND cn.nspname = 'public' AND p.relname IN " + PARENTS + " ORDER BY 1";
    private static final String SIGNATURE = "SELECT count(*)::text || '/' || coalesce(max(i.inhrelid::bigint), 0) "
            + "FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class p ON p.oid = i.inhparent "
            + "JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace WHERE pn.nspname = 'public' AND p.relname IN "
            + PARENTS;

    private final String publication;
    private final String slot;
    private final Set<String> recorded = new HashSet<>();
    private String signature = "";

    FollowPublication(String publication, String slot) {
        this.publication = publication;
        this.slot = slot;
    }

    /**
     * Creates the publication when missing; otherwise adds what an older follower's publication
     * lacks (the dimension tables).
     */
    void ensure(Connection v3) throws SQLException {
        List<String> tables = new ArrayList<>(List.of("submit", "mpi_install", "test_build", "test_run"));
        for (FollowDimension d : FollowDimension.values()) {
            tables.add(d.table);
        }
        if (!Scalar.bool(v3, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = ?)", publication)) {
            List<String> items = tables.stream().map(t -> "public." + ident(t)).toList();
            try (Statement st = v3.createStatement()) {
                // Without ONLY a table's inheritance children are published too: the weekly children
                // the parents' rules insert into.
                st.execute("CREATE PUBLICATION " + ident(publication) + " FOR TABLE " + String.join(", ", items));
            }
            return;
        }
        List<String> missing = new ArrayList<>();
        for (String t : tables) {
            if (!Scalar.bool(v3, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_publication_tables WHERE pubname = ? "
                    + "AND schemaname = 'public' AND tablename = ?)", publication, t)) {
                missing.add("ONLY public." + ident(t));
            }
        }
        if (!missing.isEmpty()) {
            try (Statement st = v3.createStatement()) {
                st.execute("ALTER PUBLICATION " + ident(publication) + " ADD TABLE " + String.join(", ", missing));
            }
            log.info("convert --follow: added {} to publication {}", missing, publication);
        }
    }

    /**
     * Loads the children recorded in flat; a follower that has none recorded (new, or started by an
     * older version) records the publication's members now: their rows are streamed already.
     */
    void load(Connection flat, Connection v3) throws SQLException {
        try (PreparedStatement ps = flat.prepareStatement("SELECT child FROM _convert.follow_child WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    recorded.add(rs.getString(1));
                }
            }
        }
        if (recorded.isEmpty()) {
            List<String> members = new ArrayList<>();
            children(v3).forEach((child, c) -> {
                if (c.published) {
                    members.add(child);
                }
            });
            record(flat, members);
        }
    }

    /** Inserts the children caught up into flat's record (in the caller's flat transaction). */
    void record(Connection flat, Iterable<String> children) throws SQLException {
        try (PreparedStatement ps = flat.prepareStatement("INSERT INTO _convert.follow_child (slot_name, child) "
                + "VALUES (?, ?) ON CONFLICT DO NOTHING")) {
            for (String child : children) {
                ps.setString(1, slot);
                ps.setString(2, child);
                ps.addBatch();
                recorded.add(child);
            }
            ps.executeBatch();
        }
    }

    private record Child(String parent, boolean published) {
    }

    private Map<String, Child> children(Connection v3) throws SQLException {
        Map<String, Child> out = new LinkedHashMap<>();
        try (PreparedStatement ps = v3.prepareStatement(CHILDREN)) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new Child(rs.getString(2), rs.getBoolean(3)));
                }
            }
        }
        return out;
    }

    /**
     * Adds children missing from the publication, and puts the ids of every child not yet
     * recorded into {@code changes} (with the child, recorded when the batch commits).
     *
     * @param v3 autocommit on
     * @return whether {@code changes} got anything
     */
    boolean check(Connection v3, FollowChanges changes) throws SQLException {
        String now = Scalar.text(v3, SIGNATURE);
        if (now.equals(signature)) {
            return false;
        }
        Map<String, Child> children = children(v3);
        boolean any = false;
        for (Map.Entry<String, Child> e : children.entrySet()) {
            String child = e.getKey();
            if (!e.getValue().published) {
                add(v3, child);
            }
            if (!recorded.contains(child) && !changes.childrenCaughtUp.contains(child)) {
                FlatTable t = table(e.getValue().parent);
                int n = 0;
                try (Statement st = v3.createStatement(); ResultSet rs = st.executeQuery("SELECT " + ident(t.idColumn)
                        + " FROM ONLY public." + ident(child) + " WHERE " + ident(t.idColumn) + " <> 0")) {
                    while (rs.next()) {
                        changes.insert(t, rs.getLong(1), "ONLY " + ident(child));
                        n++;
                    }
                }
                changes.childrenCaughtUp.add(child);
                any = true;
                log.info("convert --follow: new weekly child {} followed; {} row(s) it held before converted with "
                        + "the next batch", child, n);
            }
        }
        signature = now;
        return any;
    }

    private void add(Connection v3, String child) throws SQLException {
        v3.setAutoCommit(false);
        try (Statement st = v3.createStatement()) {
            // SHARE waits for the child's writers in flight and holds new ones until the commit.
            st.execute("LOCK TABLE ONLY public." + ident(child) + " IN SHARE MODE");
            st.execute("ALTER PUBLICATION " + ident(publication) + " ADD TABLE ONLY public." + ident(child));
            v3.commit();
        } catch (SQLException e) {
            v3.rollback();
            if ("42501".equals(e.getSQLState())) {
                throw new FastcopyException(FastcopyException.FAILED, "convert --follow: weekly child " + child
                        + " is not in publication " + publication + " and " + Scalar.text(v3, "SELECT current_user")
                        + " may not add it (" + ServerError.describe(e) + "): as its owner run ALTER PUBLICATION "
                        + publication + " ADD TABLE ONLY " + child + ", then rerun --follow; flat holds every "
                        + "transaction up to its follow position", e);
            }
            throw e;
        } finally {
            v3.setAutoCommit(true);
        }
        log.info("convert --follow: added the new weekly child {} to publication {}", child, publication);
    }

    private static FlatTable table(String parent) {
        for (FlatTable t : FlatTable.values()) {
            if (t.table.equals(parent)) {
                return t;
            }
        }
        throw new IllegalArgumentException(parent);
    }
}
