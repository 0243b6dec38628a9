package org.fastcopy.roles;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The roles one database names, read from the source catalogue in the copy's snapshot: owners of
 * its objects and of the database, grantees of its privileges, roles its policies apply to, roles
 * with settings in it. pg_shdepend records all of those per database, except for pinned roles (the
 * bootstrap superuser and the predefined pg_* roles): predefined roles exist on every server, and
 * the bootstrap superuser is looked up separately, by the objects it owns outside the system
 * schemas and extensions, since a target initialised under another name lacks it.
 */
public record NeededRoles(Map<String, Set<Use>> roles) {

    /** How the database uses a role; OWNER needs more of the role running the copy than the others. */
    public enum Use { OWNER, GRANTEE, POLICY, SETTING }

    public NeededRoles {
        Map<String, Set<Use>> copy = new TreeMap<>();
        roles.forEach((name, uses) -> copy.put(name, Collections.unmodifiableSet(EnumSet.copyOf(uses))));
        roles = Collections.unmodifiableMap(copy);
    }

    /** deptype 'o' owner, 'a' privileges, 'r' policy, 'i' initial privileges (14+: extension objects). */
    private static final String SHDEPEND = """
            SELECT r.rolname, d.deptype::text
              FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid
             WHERE d.refclassid = 'pg_authid'::regclass
               AND d.deptype IN ('o', 'a', 'r')
               AND d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            UNION
            SELECT r.rolname, 'o' FROM pg_database db JOIN pg_roles r ON r.oid = db.datdba
             WHERE db.datname = current_database()
            UNION
            SELECT r.rolname, 's' FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
             WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
            """;

    /** The bootstrap superuser (oid 10), when it owns something pg_dump writes an OWNER TO for. */
    private static final String BOOTSTRAP_OWNER = """
            SELECT rolname FROM pg_roles WHERE oid = 10 AND (
                   EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE c.relowner = 10 AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
                              AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                                              AND e.objid = c.oid AND e.deptype = 'e'))
                OR EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                            WHERE p.proowner = 10 AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
                              AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass
                                              AND e.objid = p.oid AND e.deptype = 'e'))
                OR EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspowner = 10 AND n.nspname !~ '^pg_'
                              AND n.nspname NOT IN ('information_schema', 'public'))
                OR EXISTS (SELECT 1 FROM pg_largeobject_metadata WHERE lomowner = 10))
            """;

    /** Reads the roles; {@code source} is a connection to the database (in the copy's snapshot). */
    public static NeededRoles read(Connection source) {
        Map<String, Set<Use>> roles = new TreeMap<>();
        try (Statement st = source.createStatement()) {
            try (ResultSet rs = st.executeQuery(SHDEPEND)) {
                while (rs.next()) {
                    Use use = switch (rs.getString(2)) {
                        case "o" -> Use.OWNER;
                        case "r" -> Use.POLICY;
                        case "s" -> Use.SETTING;
                        default -> Use.GRANTEE;
                    };
                    roles.computeIfAbsent(rs.getString(1), k -> EnumSet.noneOf(Use.class)).add(use);
                }
            }
            try (ResultSet rs = st.executeQuery(BOOTSTRAP_OWNER)) {
                while (rs.next()) {
                    roles.computeIfAbsent(rs.getString(1), k -> EnumSet.noneOf(Use.class)).add(Use.OWNER);
                }
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not read the roles the source database uses: "
                    + ServerError.describe(e), e);
        }
        return new NeededRoles(roles);
    }

    /** Only the roles the rendered schema will still name under these options. */
    public NeededRoles under(RoleOptions options) {
        Map<String, Set<Use>> kept = new TreeMap<>();
        roles.forEach((name, uses) -> {
            EnumSet<Use> left = EnumSet.copyOf(uses);
            if (options.noOwner()) {
                left.remove(Use.OWNER);
            }
            if (options.noPrivileges()) {
                left.remove(Use.GRANTEE);
            }
            if (!left.isEmpty()) {
                kept.put(name, left);
            }
        });
        return new NeededRoles(kept);
    }

    public Set<String> names() {
        return roles.keySet();
    }

    public Set<String> owners() {
        return roles.entrySet().stream().filter(e -> e.getValue().contains(Use.OWNER)).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /** "alice (owner, grantee), bob (grantee)" for the named roles. */
    public String describe(Set<String> names) {
        return names.stream().map(n -> n + " (" + roles.get(n).stream().map(u -> u.name().toLowerCase(Locale.ROOT))
                        .collect(Collectors.joining(", ")) + ")")
                .collect(Collectors.joining(", "));
    }
}
