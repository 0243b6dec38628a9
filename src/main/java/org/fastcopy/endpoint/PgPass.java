package org.fastcopy.endpoint;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * libpq's password file: lines {@code hostname:port:database:username:password}, where each of the
 * first four fields is a literal or '*', '\' escapes ':' and '\', lines starting with '#' are
 * comments, and the first matching line wins.
 *
 * <p>Like libpq, a file that is not a plain file, or that the group or others may access at all, is
 * ignored with one warning naming the file: a readable password file is a leaked password file, and
 * using it anyway would teach nobody to fix it. The warning is logged once per file per run, since
 * every worker connection looks the password up.
 *
 * <p>Hazard: nothing here may log or put into an exception anything read from the file.
 */
public final class PgPass {
    private static final Logger log = LoggerFactory.getLogger(PgPass.class);

    /** Socket directories of common libpq builds; libpq lets "localhost" match connections through them. */
    private static final Set<String> DEFAULT_SOCKET_DIRS = Set.of("/tmp", "/var/run/postgresql", "/run/postgresql");

    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();

    private final Path file;

    public PgPass(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The password for this endpoint from its passfile; empty when there is no file or no match. */
    public static Optional<String> lookup(Endpoint ep) {
        if (ep.passfile() == null) {
            return Optional.empty();
        }
        // libpq looks up the database it will connect to, which defaults to the user name
        String db = ep.database() == null ? ep.user() : ep.database();
        return new PgPass(ep.passfile()).find(ep.host(), ep.port(), db, ep.user());
    }

    /**
     * The password of the first line matching these settings. A host that is empty or a default
     * Unix-socket directory matches the line's "localhost", as in libpq.
     */
    public Optional<String> find(String host, int port, String database, String user) {
        if (database == null || database.isEmpty() || user == null || user.isEmpty()) {
            return Optional.empty();
        }
        String hostKey = host == null || host.isEmpty() || DEFAULT_SOCKET_DIRS.contains(host) ? "localhost" : host;
        String text = readIfSafe();
        if (text == null) {
            return Optional.empty();
        }
        String[] wanted = {hostKey, Integer.toString(port), database, user};
        for (String raw : text.split("\n")) {
            String line = stripCrLf(raw);
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int at = 0;
            for (String field : wanted) {
                at = matchField(line, at, field);
                if (at < 0) {
                    break;
                }
            }
            if (at >= 0) {
                String password = unescapePassword(line, at);
                // an empty password is no password, as in libpq: let the server say what it wants
                return password.isEmpty() ? Optional.empty() : Optional.of(password);
            }
        }
        return Optional.empty();
    }

    /**
     * Why libpq would ignore this existing file ("is not a plain file", "has group or world access;
     * ..."), or empty when it is fine or does not exist.
     */
    public Optional<String> unsafeReason() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        if (!Files.isRegularFile(file)) {
            return Optional.of("is not a plain file");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
                return Optional.of("has group or world access; permissions should be u=rw (0600) or less");
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system (Windows): libpq does not check there either
        } catch (IOException e) {
            log.debug("cannot read the permissions of password file {}: {}", file, e.toString());
        }
        return Optional.empty();
    }

    /** The file's text, or null when it is missing, unreadable or unsafe (then warned about once). */
    private String readIfSafe() {
        if (!Files.exists(file)) {
            return null;
        }
        Optional<String> unsafe = unsafeReason();
        if (unsafe.isPresent()) {
            if (WARNED.add(file.toAbsolutePath().normalize())) {
                log.warn("ignoring password file {}: it {}", file, unsafe.get());
            }
            return null;
        }
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            // libpq silently ignores a password file it cannot open
            log.debug("cannot read password file {}: {}", file, e.toString());
            return null;
        }
    }

    /**
     * Matches one field starting at {@code from} against {@code value}; returns the index after the
     * field's ':' or -1. As in libpq, only a field that is exactly '*' is a wildcard.
     */
    static int matchField(String line, int from, String value) {
        if (line.startsWith("*:", from)) {
            return from + 2;
        }
        int matched = 0;
        int i = from;
        while (i < line.length()) {
            char c = line.charAt(i++);
            boolean escaped = false;
            if (c == '\\' && i < line.length()) {
                c = line.charAt(i++);
                escaped = true;
            }
            if (c == ':' && !escaped) {
                return matched == value.length() ? i : -1;
            }
            if (matched >= value.length() || value.charAt(matched) != c) {
                return -1;
            }
            matched++;
        }
        return -1; // a line with fewer than five fields never matches
    }

    /** The password field: up to the next unescaped ':' (libpq ignores anything after it). */
    static String unescapePassword(String line, int from) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == ':') {
                break;
            }
            if (c == '\\' && i + 1 < line.length()) {
                c = line.charAt(++i);
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static String stripCrLf(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == '\r' || line.charAt(end - 1) == '\n')) {
            end--;
        }
        return line.substring(0, end);
    }
}
