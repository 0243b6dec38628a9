package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.fastcopy.util.Ini;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.List;

/**
 * The service's conf file (MTT's cherrypy {@code mtt.conf}: ConfigParser style, {@code [mttflat]}
 * with {@code key: value} or {@code key = value} lines, read by {@link Ini} in its ConfigParser
 * dialect). Only the host and port lines of one section are ever changed; every other byte
 * (comments, other sections, the password line, line endings) is written back as read. The file holds the service's database password, so nothing here logs
 * or reports a line's text, only the two values it sets.
 */
public final class ServiceConf {
    /** Where the service's database is. */
    public record Address(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    private final List<Ini.Line> lines;
    private final int sectionLine;
    private final int sectionEnd;          // exclusive

    private ServiceConf(List<Ini.Line> lines, int sectionLine, int sectionEnd) {
        this.lines = lines;
        this.sectionLine = sectionLine;
        this.sectionEnd = sectionEnd;
    }

    /** @throws FastcopyException (USAGE) the file cannot be read or has no such section */
    public static ServiceConf read(Path conf, String section) {
        String text;
        try {
            text = Files.readString(conf, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.USAGE, "service conf " + conf + ": cannot read it (" + e.getMessage() + ")");
        }
        List<Ini.Line> lines = Ini.parse(text, Ini.Dialect.CONFIG_PARSER);
        int found = -1;
        int end = lines.size();
        for (int i = 0; i < lines.size(); i++) {
            String name = lines.get(i).sectionName();
            if (name != null) {
                if (found >= 0) {
                    end = i;
                    break;
                }
                if (name.equals(section)) {
                    found = i;
                }
            }
        }
        if (found < 0) {
            throw new FastcopyException(FastcopyException.USAGE, "service conf " + conf + " has no [" + section + "] section");
        }
        return new ServiceConf(lines, found, end);
    }

    /** The value of a key in the section, or null. */
    public String value(String key) {
        int i = find(lines, key);
        return i < 0 ? null : lines.get(i).value();
    }

    /** Whether the section's host and port keys say {@code address} (a missing port key counts as 5432). */
    public boolean pointsAt(String hostKey, String portKey, Address address) {
        String port = value(portKey);
        return address.host().equals(value(hostKey)) && String.valueOf(address.port()).equals(port == null ? "5432" : port);
    }

    /** The text with the two keys set; a missing key is added after the section's last entry, in its style. */
    String withAddress(String hostKey, String portKey, Address address) {
        List<Ini.Line> out = new ArrayList<>(lines);
        set(out, hostKey, address.host());
        set(out, portKey, String.valueOf(address.port()));
        return Ini.text(out);
    }

    private void set(List<Ini.Line> out, String key, String value) {
        int i = find(out, key);
        if (i >= 0) {
            out.set(i, out.get(i).withValue(value));
            return;
        }
        int last = sectionLine;
        String separator = ": ";
        for (int j = sectionLine + 1; j < sectionEnd + (out.size() - lines.size()); j++) {
            if (isEntry(out.get(j))) {
                last = j;
                separator = out.get(j).separator();
            }
        }
        String sectionEnding = out.get(sectionLine).ending();
        String newline = sectionEnding.isEmpty() ? System.lineSeparator() : sectionEnding;
        if (out.get(last).ending().isEmpty()) {
            out.set(last, out.get(last).withEnding(newline));
        }
        out.add(last + 1, Ini.Dialect.CONFIG_PARSER.line(0, key + separator + value, newline));
    }

    /** The first entry of the section with this key, in {@code ls} (the lines as read, or with keys added). */
    private int find(List<Ini.Line> ls, String key) {
        int end = sectionEnd + (ls.size() - lines.size());
        for (int i = sectionLine + 1; i < end; i++) {
            if (isEntry(ls.get(i)) && ls.get(i).key().equals(key)) {
                return i;
            }
        }
        return -1;
    }

    /** ConfigParser needs a key before the ':' or '='. */
    private static boolean isEntry(Ini.Line line) {
        return line.kind() == Ini.Kind.ENTRY && !line.key().isEmpty();
    }

    /**
     * Points the section at {@code address}: the old file is copied to {@code backup} first (kept
     * if it exists: a retried phase must not overwrite the original with its own first attempt's
     * output), then the new text goes to a temporary file in the same directory, is fsynced, gets
     * the old file's permissions and replaces it by an atomic rename, and the directory is fsynced.
     * A reader of the conf sees either the old file or the new one, never a torn one; a crash
     * leaves at most a stray temporary file.
     */
    public static void repoint(Path conf, String section, String hostKey, String portKey, Address address, Path backup) {
        ServiceConf current = read(conf, section);
        String text = current.withAddress(hostKey, portKey, address);
        Path dir = conf.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            if (!Files.exists(backup)) {
                Files.copy(conf, backup, StandardCopyOption.COPY_ATTRIBUTES);
                fsync(backup);
            }
            tmp = Files.createTempFile(dir, "." + conf.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            copyPermissions(conf, tmp);
            try {
                Files.move(tmp, conf, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new FastcopyException(FastcopyException.FAILED, "service conf " + conf
                        + ": the file system cannot rename atomically; not changed");
            }
            tmp = null;
            fsync(dir);
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "service conf " + conf + ": could not rewrite it ("
                    + e.getMessage() + "); the file is unchanged or fully rewritten, never partly", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a stray temporary file is harmless; the conf itself is intact
                }
            }
        }
    }

    private static void copyPermissions(Path from, Path to) throws IOException {
        PosixFileAttributeView src = Files.getFileAttributeView(from, PosixFileAttributeView.class);
        PosixFileAttributeView dst = Files.getFileAttributeView(to, PosixFileAttributeView.class);
        if (src != null && dst != null) {
            var attrs = src.readAttributes();
            dst.setPermissions(attrs.permissions());
            try {
                dst.setOwner(attrs.owner());
                dst.setGroup(attrs.group());
            } catch (IOException | SecurityException e) {
                // not root: the new file stays ours; the permissions above still keep the password private
            }
        }
    }

    private static void fsync(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
