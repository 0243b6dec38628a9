package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.PgBinaries;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The source's role definitions as {@code pg_dumpall --roles-only} writes them, cut down to the
 * roles a copy needs. fastcopy writes no CREATE ROLE of its own for the same reason it writes no
 * other DDL: pg_dumpall knows every attribute of every server version (BYPASSRLS, REPLICATION,
 * connection limits, VALID UNTIL, per-role settings, comments).
 *
 * <p>Passwords: without {@code withPasswords} pg_dumpall runs with --no-role-passwords, which also
 * lets a non-superuser dump (it then reads pg_roles, not pg_authid). With them, the file that holds
 * the hashes is created 0600 and deleted as soon as it is read; its statements are never logged.
 */
public final class RoleDump {
    private final List<String> statements;

    private RoleDump(List<String> statements) {
        this.statements = List.copyOf(statements);
    }

    /** Runs pg_dumpall --roles-only against the source server (connecting to {@code source}'s database). */
    public static RoleDump dump(Connections connections, Endpoint source, Path workdir, Path pgBin, boolean withPasswords) {
        SchemaDump.ServerVersion server = SchemaDump.ServerVersion.of(connections, source);
        PgBinaries bin = pgBin == null ? SchemaDump.clientFor(server, "source " + source)
                : PgBinaries.at(pgBin, "--pg-bin");
        Path file = workdir.resolve("roles.sql");
        try {
            Files.createDirectories(workdir);
            Files.deleteIfExists(file);
            // pg_dumpall opens the file for writing and keeps the mode of an existing file.
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cannot create " + file + ": " + e.getMessage(), e);
        }
        List<String> cmd = new ArrayList<>(List.of(bin.program("pg_dumpall").toString(), "--roles-only",
                "--database=" + source.database(), "--file=" + file));
        if (!withPasswords) {
            cmd.add("--no-role-passwords");
        }
        try {
            PgTool.run(cmd, pb -> connections.applyTo(pb, source), workdir.resolve("pg_dumpall.log"),
                    "pg_dumpall --roles-only of " + source);
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cannot read " + file + ": " + e.getMessage(), e);
        } finally {
            if (withPasswords) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // left 0600 in the work directory; nothing more we can do
                }
            }
        }
    }

    /** Splits pg_dumpall's output into statements (comments, SET and psql meta-commands left out). */
    static RoleDump parse(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (String line : sql.split("\n", -1)) {
            if (!quoted && current.length() == 0 && (line.isBlank() || line.startsWith("--") || line.startsWith("\\"))) {
                continue;
            }
            current.append(line).append('\n');
            for (int i = 0; i < line.length(); i++) {
                if (line.charAt(i) == '\'') {
                    quoted = !quoted;   // a doubled '' inside a literal toggles twice
                }
            }
            if (!quoted && line.stripTrailing().endsWith(";")) {
                String s = current.toString().strip();
                current.setLength(0);
                if (!s.regionMatches(true, 0, "SET ", 0, 4)) {
                    out.add(s);
                }
            }
        }
        return new RoleDump(out);
    }

    /** Every statement, in pg_dumpall's order. */
    public List<String> statements() {
        return statements;
    }

    /**
     * The statements that create {@code wanted} as the source has them: CREATE ROLE, ALTER ROLE (its
     * attributes and settings), COMMENT and SECURITY LABEL on it, and memberships between roles that
     * will all exist ({@code wanted} or {@code existing}). A membership's GRANTED BY clause is left
     * out: the grantor may not exist on the target, and the role running the copy grants instead.
     */
    public List<String> creating(Collection<String> wanted, Set<String> existing) {
        List<String> out = new ArrayList<>();
        for (String s : statements) {
            String upper = s.toUpperCase(Locale.ROOT);
            String subject = null;
            if (upper.startsWith("CREATE ROLE ")) {
                subject = identifierAt(s, "CREATE ROLE ".length());
            } else if (upper.startsWith("ALTER ROLE ")) {
                subject = identifierAt(s, "ALTER ROLE ".length());
            } else if (upper.startsWith("COMMENT ON ROLE ")) {
                subject = identifierAt(s, "COMMENT ON ROLE ".length());
            } else if (upper.startsWith("SECURITY LABEL ") && upper.contains(" ON ROLE ")) {
                subject = identifierAt(s, upper.indexOf(" ON ROLE ") + " ON ROLE ".length());
            } else if (upper.startsWith("GRANT ")) {
                String membership = membership(s, wanted, existing);
                if (membership != null) {
                    out.add(membership);
                }
                continue;
            }
            if (subject != null && wanted.contains(subject)) {
                out.add(s);
            }
        }
        return out;
    }

    /** "GRANT a TO b [WITH ADMIN OPTION] [GRANTED BY c];" when a or b is wanted and both will exist. */
    private static String membership(String s, Collection<String> wanted, Set<String> existing) {
        int pos = "GRANT ".length();
        String role = identifierAt(s, pos);
        if (role == null) {
            return null;
        }
        int afterRole = skipIdentifier(s, pos);
        String rest = s.substring(afterRole);
        if (!rest.toUpperCase(Locale.ROOT).startsWith(" TO ")) {
            return null;
        }
        int memberAt = afterRole + " TO ".length();
        String member = identifierAt(s, memberAt);
        if (member == null || !(wanted.contains(role) || wanted.contains(member))) {
            return null;
        }
        boolean bothExist = (wanted.contains(role) || existing.contains(role)) && (wanted.contains(member) || existing.contains(member));
        if (!bothExist) {
            return null;
        }
        String tail = s.substring(skipIdentifier(s, memberAt));
        int grantedBy = tail.toUpperCase(Locale.ROOT).indexOf(" GRANTED BY ");
        if (grantedBy >= 0) {
            tail = tail.substring(0, grantedBy) + ";";
        }
        return s.substring(0, skipIdentifier(s, memberAt)) + tail;
    }

    /** The identifier starting at {@code pos}, unquoted; null when there is none. */
    public static String identifierAt(String s, int pos) {
        if (pos >= s.length()) {
            return null;
        }
        if (s.charAt(pos) == '"') {
            StringBuilder b = new StringBuilder();
            for (int i = pos + 1; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        b.append('"');
                        i++;
                    } else {
                        return b.toString();
                    }
                } else {
                    b.append(c);
                }
            }
            return null;
        }
        int end = skipIdentifier(s, pos);
        // pg_dumpall quotes every name that is not plain lower case, so a bare name is its own text
        return end == pos ? null : s.substring(pos, end);
    }

    private static int skipIdentifier(String s, int pos) {
        if (pos < s.length() && s.charAt(pos) == '"') {
            for (int i = pos + 1; i < s.length(); i++) {
                if (s.charAt(i) == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        i++;
                    } else {
                        return i + 1;
                    }
                }
            }
            return s.length();
        }
        int i = pos;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == '$')) {
            i++;
        }
        return i;
    }
}
