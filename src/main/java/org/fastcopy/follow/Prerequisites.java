package org.fastcopy.follow;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.Scalar;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.ServerFeatures;
import org.fastcopy.pg.UserRelations;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the source must allow before a following run creates anything: checked up front, each
 * failure one line naming the setting and the fix, exit 2. Nothing is created on either server
 * before all of them pass.
 */
public final class Prerequisites {
    /** Keyless tables named in the message; the rest are counted. */
    private static final int LISTED = 20;

    /**
     * Persistent tables the copy reads (unlogged ones cannot be published) whose UPDATEs and
     * DELETEs the stream cannot identify: replica identity NOTHING, or DEFAULT without a primary key.
     */
    private static final String KEYLESS = """
            SELECT n.nspname, c.relname
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r' AND c.relpersistence = 'p' AND n.nspname <> '_fastcopy'
               AND (c.relreplident = 'n'
                    OR (c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                                                             WHERE i.indrelid = c.oid AND i.indisprimary))
                    OR (c.relreplident = 'i' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                                                             WHERE i.indrelid = c.oid AND i.indisreplident)))
            """ + "   AND " + UserRelations.USER_SCHEMA + "\n   AND " + UserRelations.NOT_EXTENSION_MEMBER + """
             ORDER BY 1, 2
            """;

    private Prerequisites() {
    }

    /**
     * Checks the source. Returns the keyless tables (empty unless {@code insertOnly}, which follows
     * them for INSERTs only); throws (exit 2) on the first prerequisite missing.
     *
     * @param resuming the slot exists already (a resumed run), so it needs no free slot
     */
    public static List<UserRelations.Relation> check(Connection source, Endpoint ep, String slotName, boolean insertOnly,
                                                     boolean resuming) {
        try {
            int version = ServerFeatures.versionNum(source);
            if (version < ServerFeatures.V10) {
                throw refuse("source " + ep + " runs PostgreSQL " + source.getMetaData().getDatabaseProductVersion()
                        + ": following needs 10 or later (logical decoding with pgoutput)");
            }
            String walLevel = text(source, "SELECT current_setting('wal_level')");
            if (!"logical".equals(walLevel)) {
                throw refuse("wal_level on source " + ep + " is '" + walLevel + "', following needs 'logical': "
                        + "ALTER SYSTEM SET wal_level = logical, then restart the source server");
            }
            if (!bool(source, "SELECT rolreplication OR rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user")) {
                String user = text(source, "SELECT current_user");
                throw refuse("role " + user + " on source " + ep + " has no REPLICATION privilege: "
                        + "ALTER ROLE \"" + user.replace("\"", "\"\"") + "\" REPLICATION (or connect as a superuser)");
            }
            if (!resuming) {
                freeSlot(source, ep, slotName);
            }
            freeSender(source, ep);
            List<UserRelations.Relation> keyless = keyless(source);
            if (!keyless.isEmpty() && !insertOnly) {
                throw refuse(keyless.size() + " table(s) on source " + ep + " have no primary key or replica identity, "
                        + "so their UPDATEs and DELETEs cannot be followed: " + listed(keyless)
                        + " (fix: ALTER TABLE ... REPLICA IDENTITY FULL, or add a primary key; or follow their "
                        + "INSERTs only with --follow-insert-only)");
            }
            return keyless;
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not check the source " + ep
                    + " for following: " + ServerError.describe(e), e);
        }
    }

    /**
     * Checks the target role: the apply session runs with {@code session_replication_role = replica}
     * (so rules and triggers stay quiet, as on a replica), which only a superuser may set before
     * PostgreSQL 15, and from 15 on also a role granted SET on that parameter. Checked up front:
     * found at the first applied change, it would fail after the whole copy. Exit 2 otherwise.
     *
     * @param target a connection to the target server (any database) as the role that will apply
     */
    public static void checkTarget(Connection target, Endpoint ep) {
        try {
            boolean v15 = ServerFeatures.versionNum(target) >= 150_000;
            boolean allowed = bool(target, "SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user")
                    || v15 && bool(target, "SELECT pg_catalog.has_parameter_privilege('session_replication_role', 'SET')");
            if (!allowed) {
                String user = text(target, "SELECT current_user");
                String role = "\"" + user.replace("\"", "\"\"") + "\"";
                throw refuse("role " + user + " on target " + ep + " may not set session_replication_role, which "
                        + "following applies with (so rules and triggers do not fire twice): " + (v15
                        ? "GRANT SET ON PARAMETER session_replication_role TO " + role + " (or connect as a superuser)"
                        : "connect as a superuser (before PostgreSQL 15 nothing less may set it)"));
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not check the target " + ep
                    + " for following: " + ServerError.describe(e), e);
        }
    }

    /**
     * A run killed while its slot was being made (CREATE_REPLICATION_SLOT waits for the source's
     * running transactions, and the slot is dropped with its connection until then) leaves its
     * publications without a slot: a new run would fail creating them. Checked unless resuming,
     * which takes them as evidence of its interrupted run and starts over.
     */
    static void noPublicationsLeft(Connection source, Endpoint ep, FollowSpec spec) throws SQLException {
        for (String p : List.of(spec.publication(), spec.insertOnlyPublication())) {
            if (bool(source, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = ?)", p)) {
                throw refuse("publication " + p + " exists on source " + ep + " without its replication slot (left by "
                        + "an interrupted run): continue its run with --follow --resume, or remove it with "
                        + "fastcopy follow --drop-slot --src ... --db ...");
            }
        }
    }

    private static void freeSlot(Connection source, Endpoint ep, String slotName) throws SQLException {
        if (bool(source, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = ?)", slotName)) {
            throw refuse("replication slot " + slotName + " exists on source " + ep + ": continue its run with "
                    + "--follow --resume, or remove it with fastcopy follow --drop-slot --src ... --db ...");
        }
        long max = Long.parseLong(text(source, "SELECT current_setting('max_replication_slots')"));
        List<String> used = strings(source, "SELECT slot_name FROM pg_catalog.pg_replication_slots ORDER BY 1");
        if (used.size() >= max) {
            throw refuse("no free replication slot on source " + ep + " (max_replication_slots = " + max + ", in use: "
                    + String.join(", ", used) + "): drop an unused slot (SELECT pg_drop_replication_slot('name')) "
                    + "or raise max_replication_slots and restart the source");
        }
    }

    private static void freeSender(Connection source, Endpoint ep) throws SQLException {
        long max = Long.parseLong(text(source, "SELECT current_setting('max_wal_senders')"));
        long used = Long.parseLong(text(source, "SELECT count(*)::text FROM pg_catalog.pg_stat_replication"));
        if (used >= max) {
            throw refuse("no free WAL sender on source " + ep + " (max_wal_senders = " + max + ", " + used
                    + " in use): raise max_wal_senders and restart the source");
        }
    }

    /** The tables whose UPDATEs and DELETEs a stream could not identify. */
    public static List<UserRelations.Relation> keyless(Connection source) throws SQLException {
        List<UserRelations.Relation> out = new ArrayList<>();
        try (PreparedStatement ps = source.prepareStatement(KEYLESS); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new UserRelations.Relation(rs.getString(1), rs.getString(2)));
            }
        }
        return out;
    }

    private static String listed(List<UserRelations.Relation> tables) {
        String names = tables.stream().limit(LISTED).map(Object::toString).collect(Collectors.joining(", "));
        return tables.size() > LISTED ? names + " and " + (tables.size() - LISTED) + " more" : names;
    }

    private static FastcopyException refuse(String message) {
        return new FastcopyException(FastcopyException.USAGE, message);
    }

    private static String text(Connection c, String sql, Object... params) throws SQLException {
        return Scalar.text(c, sql, params);
    }

    private static boolean bool(Connection c, String sql, Object... params) throws SQLException {
        return Scalar.bool(c, sql, params);
    }

    private static List<String> strings(Connection c, String sql, String... params) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
