package org.fastcopy.roles;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.Databases;
import org.fastcopy.pg.ServerError;
import org.fastcopy.schema.RoleDump;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Makes sure the target can take the schema's owners and grants before anything is written there.
 * Roles are global objects: neither pg_dump nor a copy of one database carries them, and without
 * this check a missing owner surfaced as an "ALTER ... OWNER TO" failure halfway through pre-data.
 * Two things are checked, each refused in one line with its fix: every role the database names
 * exists on the target (or is created from the source's pg_dumpall --roles-only with --roles), and
 * the role running the copy may hand objects to their owners, as a restore by pg_restore or psql
 * would need too (superuser, or membership in each owner role).
 */
public final class TargetRoles {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");

    private final Connections connections;
    private final Endpoint source;
    private final Endpoint target;

    /**
     * @param source the source database (pg_dumpall connects to it)
     * @param target the target server; its maintenance database is used, the copy's may not exist yet
     */
    public TargetRoles(Connections connections, Endpoint source, Endpoint target) {
        this.connections = connections;
        this.source = source;
        this.target = target.withDatabase(Databases.MAINTENANCE_DB);
    }

    /** Roles of {@code needed} that the target lacks. */
    public Set<String> missing(NeededRoles needed) {
        try (Connection c = connections.open(target, "fastcopy-roles")) {
            return missing(c, needed);
        } catch (SQLException e) {
            throw failed("could not read the roles of " + target, e);
        }
    }

    private static Set<String> missing(Connection c, NeededRoles needed) throws SQLException {
        Set<String> missing = new TreeSet<>(needed.names());
        missing.removeAll(existing(c, needed.names()));
        return missing;
    }

    /**
     * Checks, and with {@code options.create()} creates, what the copy needs; throws a usage error
     * (exit 2) naming the roles and the fix otherwise.
     *
     * @param workdir where pg_dumpall writes its output (a 0600 file, deleted at once when it holds passwords)
     * @param pgBin   --pg-bin, or null
     */
    public void ensure(NeededRoles needed, RoleOptions options, Path workdir, Path pgBin) {
        try (Connection c = connections.open(target, "fastcopy-roles")) {
            Set<String> missing = missing(c, needed);
            if (!missing.isEmpty()) {
                if (!options.create()) {
                    throw new FastcopyException(FastcopyException.USAGE, target.name() + " lacks " + missing.size()
                            + " role(s) that database " + source.database() + " uses: " + needed.describe(missing)
                            + "; create them, or rerun with --roles to create them from the source's pg_dumpall"
                            + " --roles-only (or leave owners and grants out with --no-owner --no-privileges)");
                }
                create(c, missing, needed, options, workdir, pgBin);
            }
            checkOwnersReachable(c, needed.owners());
        } catch (SQLException e) {
            throw failed("could not check the roles on " + target.name(), e);
        }
    }

    private void create(Connection c, Set<String> missing, NeededRoles needed, RoleOptions options, Path workdir,
                        Path pgBin) throws SQLException {
        RoleDump dump = RoleDump.dump(connections, source, workdir, pgBin, options.withPasswords());
        Set<String> existing = existing(c, null);
        List<String> statements = dump.creating(missing, existing);
        Set<String> listed = new TreeSet<>();
        for (String s : statements) {
            String created = s.regionMatches(true, 0, "CREATE ROLE ", 0, 12) ? RoleDump.identifierAt(s, 12) : null;
            if (created != null) {
                listed.add(created);
            }
        }
        Set<String> unlisted = new TreeSet<>(missing);
        unlisted.removeAll(listed);
        if (!unlisted.isEmpty()) {
            throw new FastcopyException(FastcopyException.FAILED, "pg_dumpall --roles-only of " + source.name()
                    + " does not list " + String.join(", ", unlisted) + ": cannot create them on " + target.name());
        }
        // One transaction: a refused CREATE ROLE leaves none of them behind.
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            for (String s : statements) {
                try {
                    st.execute(s);
                } catch (SQLException e) {
                    c.rollback();
                    // The statement itself is not quoted: it may carry a password hash.
                    throw failed("cannot create role(s) " + String.join(", ", missing) + " on " + target.name()
                            + " (at " + firstWords(s) + ")", e);
                }
            }
            c.commit();
        } finally {
            c.setAutoCommit(true);
        }
        log.info("created {} role(s) on {} from pg_dumpall --roles-only ({}): {}", missing.size(), target.name(),
                options.withPasswords() ? "with their passwords" : "without passwords", needed.describe(missing));
    }

    /**
     * ALTER ... OWNER TO needs the running role to be a superuser or a member of the new owner
     * (from PostgreSQL 16, one that may SET ROLE to it): checked here rather than found by the
     * first failing item of pre-data.
     */
    private void checkOwnersReachable(Connection c, Set<String> owners) throws SQLException {
        if (owners.isEmpty()) {
            return;
        }
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT rolsuper, current_user, current_setting('server_version_num')::int"
                     + " FROM pg_roles WHERE rolname = current_user")) {
            rs.next();
            if (rs.getBoolean(1)) {
                return;
            }
            String me = rs.getString(2);
            String privilege = rs.getInt(3) >= 160000 ? "SET" : "MEMBER";
            Set<String> unreachable = new TreeSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT r FROM unnest(?::text[]) r WHERE NOT pg_has_role(current_user, r, ?)")) {
                Array names = c.createArrayOf("text", owners.toArray());
                ps.setArray(1, names);
                ps.setString(2, privilege);
                try (ResultSet u = ps.executeQuery()) {
                    while (u.next()) {
                        unreachable.add(u.getString(1));
                    }
                }
            }
            if (!unreachable.isEmpty()) {
                throw new FastcopyException(FastcopyException.USAGE, "role " + me + " on " + target.name()
                        + " may not give objects to their owner(s) " + String.join(", ", unreachable)
                        + " (ALTER ... OWNER TO needs a superuser or membership): GRANT " + String.join(", ", unreachable)
                        + " TO " + me + ", run as a superuser, or rerun with --no-owner");
            }
        }
    }

    /** The roles of {@code names} (all roles when null) that exist on the server. */
    private static Set<String> existing(Connection c, Set<String> names) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT rolname FROM pg_roles")) {
            while (rs.next()) {
                if (names == null || names.contains(rs.getString(1))) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static String firstWords(String statement) {
        String[] w = statement.split("\\s+", 4);
        return String.join(" ", java.util.Arrays.copyOf(w, Math.min(3, w.length)));
    }

    private static FastcopyException failed(String what, SQLException e) {
        return new FastcopyException(FastcopyException.FAILED, what + ": " + ServerError.describe(e), e);
    }
}
