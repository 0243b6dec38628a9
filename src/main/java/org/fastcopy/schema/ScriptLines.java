package org.fastcopy.schema;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The lines of a script, one at a time, each with where its bytes are: what lets the parser keep
 * an item's SQL in the file ({@link DdlText.Slice}) rather than in memory. Lines split on '\n'
 * only, as {@code String.split("\n", -1)} would (a '\r' stays in the line; text after the last
 * '\n', even empty, is a last line).
 */
interface ScriptLines {

    /**
     * @param text   the line without its '\n'
     * @param number 1-based, for messages
     * @param offset where its bytes start (bytes in a file, chars in a String)
     * @param bytes  its length in the same unit, '\n' excluded
     */
    record Line(String text, int number, long offset, int bytes) {
    }

    /** The next line, or null after the last. */
    Line next();

    /** Lines joined back with '\n': an item's SQL in memory. */
    static DdlText joined(List<Line> lines) {
        return DdlText.of(lines.stream().map(Line::text).collect(Collectors.joining("\n")));
    }

    /** Lines that follow one another in {@code file}, as one slice of it ('\n's between them included). */
    static DdlText slice(DdlText.ScriptFile file, List<Line> lines) {
        if (lines.isEmpty()) {
            return DdlText.of("");
        }
        Line first = lines.get(0);
        Line last = lines.get(lines.size() - 1);
        return new DdlText.Slice(file, first.offset(), Math.toIntExact(last.offset() + last.bytes() - first.offset()));
    }

    final class OfString implements ScriptLines {
        private final String text;
        private int pos;
        private int number;

        OfString(String text) {
            this.text = text;
        }

        @Override
        public Line next() {
            if (pos > text.length()) {
                return null;
            }
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? text.length() : nl;
            Line l = new Line(text.substring(pos, end), ++number, pos, end - pos);
            pos = end + 1;
            return l;
        }
    }

    /** A file read in 64 KiB blocks; only the current line is decoded. */
    final class OfFile implements ScriptLines, AutoCloseable {
        private final InputStream in;
        private final long size;
        private final byte[] block = new byte[64 * 1024];
        private int blockLen;
        private int blockPos;
        private long blockStart;
        private byte[] line = new byte[256];
        private int number;
        private boolean done;

        OfFile(Path file) throws IOException {
            this.size = Files.size(file);
            this.in = Files.newInputStream(file);
        }

        long size() {
            return size;
        }

        @Override
        public Line next() {
            if (done) {
                return null;
            }
            long start = blockStart + blockPos;
            int len = 0;
            while (true) {
                if (blockPos == blockLen && !fill()) {
                    done = true;
                    break;
                }
                byte b = block[blockPos++];
                if (b == '\n') {
                    break;
                }
                if (len == line.length) {
                    line = Arrays.copyOf(line, len * 2);
                }
                line[len++] = b;
            }
            return new Line(new String(line, 0, len, StandardCharsets.UTF_8), ++number, start, len);
        }

        private boolean fill() {
            try {
                blockStart += blockLen;
                blockPos = 0;
                blockLen = Math.max(0, in.read(block));
                return blockLen > 0;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
