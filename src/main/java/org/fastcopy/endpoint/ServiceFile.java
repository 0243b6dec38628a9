package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;
import org.fastcopy.util.Ini;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one service from a file in libpq's pg_service.conf format ({@link Ini}'s libpq dialect):
 * {@code [name]} starts a section, {@code keyword=value} lines follow, '#' starts a comment line,
 * blank lines are ignored. As in libpq a section's name is compared as written between '[' and ']'.
 *
 * <p>As in libpq only the requested section is checked, so a key that a newer libpq knows in some
 * other section of the user's ~/.pg_service.conf cannot break every fastcopy run. Within the section
 * an unknown key is an error naming file and line, and the first occurrence of a key wins. Unlike
 * libpq, spaces around '=' are tolerated.
 */
final class ServiceFile {
    /** A value and the line it came from, so later errors can point at it. */
    record Entry(String value, int line) {
    }

    /** The section found: its keywords in file order. */
    record Section(Path file, String name, Map<String, Entry> entries) {
        /** For messages: "service 'flux1' (conf/hosts.conf line 12)". */
        String origin(String key) {
            return "service '" + name + "' (" + file + " line " + entries.get(key).line() + ")";
        }
    }

    private ServiceFile() {
    }

    /** The section named {@code service}, or empty when the file or the section does not exist. */
    static Optional<Section> find(Path file, String service) {
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.USAGE, "cannot read service file " + file + ": " + e, e);
        }
        return parse(file, text, service);
    }

    static Optional<Section> parse(Path file, String text, String service) {
        Map<String, Entry> entries = null;
        for (Ini.Line line : Ini.parse(text, Ini.Dialect.LIBPQ)) {
            switch (line.kind()) {
                case BLANK, COMMENT -> {
                }
                case SECTION -> {
                    if (entries != null) {
                        return found(file, service, entries); // end of our section
                    }
                    if (service.equals(line.section())) {
                        entries = new LinkedHashMap<>();
                    }
                }
                default -> {
                    if (entries != null) {
                        addEntry(file, service, line, entries);
                    }
                }
            }
        }
        return entries == null ? Optional.empty() : found(file, service, entries);
    }

    private static Optional<Section> found(Path file, String service, Map<String, Entry> entries) {
        return Optional.of(new Section(file, service, Collections.unmodifiableMap(entries)));
    }

    private static void addEntry(Path file, String service, Ini.Line line, Map<String, Entry> entries) {
        String where = "service file " + file + " line " + line.number();
        if (line.kind() != Ini.Kind.ENTRY) {
            // the line itself is not quoted: it might be a password someone forgot the key of
            throw new FastcopyException(FastcopyException.USAGE, where + ": expected keyword=value in [" + service + "]");
        }
        String key = line.key();
        if (Libpq.SECRETS.contains(key)) {
            throw EndpointResolver.passwordRefused(where);
        }
        if (key.equals("service")) {
            throw new FastcopyException(FastcopyException.USAGE,
                    where + ": 'service' inside [" + service + "]: services cannot include other services");
        }
        if (!Libpq.isKeyword(key)) {
            throw new FastcopyException(FastcopyException.USAGE,
                    where + ": unknown key '" + key + "' in [" + service + "]");
        }
        entries.putIfAbsent(key, new Entry(line.value(), line.number()));
    }
}
