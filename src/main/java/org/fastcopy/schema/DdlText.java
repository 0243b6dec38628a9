package org.fastcopy.schema;

import org.fastcopy.FastcopyException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * An item's SQL, read when the item runs. A schema of many tables has hundreds of thousands of
 * items and most of their text is only needed once, for one round trip: held as Strings it made
 * the live heap grow with the schema (about 1 KB per table for the SQL alone, see docs/memory.md).
 * So the items of a rendered script point at their bytes in the script file ({@link Slice}, 24
 * bytes however long the SQL) and read them with one positional read per item.
 */
public interface DdlText {

    /** The SQL. For a slice, one read of the script file. */
    String read();

    static DdlText of(String sql) {
        return new Inline(sql);
    }

    /** SQL held in memory: scripts parsed from a String (tests, small listings) and SQL made here. */
    record Inline(String sql) implements DdlText {
        public Inline {
            Objects.requireNonNull(sql, "sql");
        }

        @Override
        public String read() {
            return sql;
        }
    }

    /**
     * {@code length} bytes of UTF-8 at {@code offset} in a script file.
     *
     * <p>Hazard: valid only while the file is unchanged. pg_restore writes each section's script
     * once per run ({@link SchemaDump#render}); rendering the same section again into the same
     * file would move the bytes under the earlier script's items, so a read checks the file's size
     * against the one parsed and fails loudly rather than run the wrong text.
     */
    record Slice(ScriptFile file, long offset, int length) implements DdlText {
        @Override
        public String read() {
            return file.read(offset, length);
        }
    }

    /** A rendered script on disk and its size when it was parsed. */
    record ScriptFile(Path path, long size) {
        String read(long offset, int length) {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                if (ch.size() != size) {
                    throw new FastcopyException(FastcopyException.FAILED, path + " changed while its items were in use"
                            + " (" + ch.size() + " bytes, " + size + " when parsed)");
                }
                ByteBuffer buf = ByteBuffer.allocate(length);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, offset + buf.position()) < 0) {
                        throw new FastcopyException(FastcopyException.FAILED, path + " ends before byte " + (offset + length));
                    }
                }
                return new String(buf.array(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new FastcopyException(FastcopyException.FAILED, "cannot read " + path + ": " + e.getMessage(), e);
            }
        }
    }
}
