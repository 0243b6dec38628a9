package org.fastcopy.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one CSV reader of the report: RFC 4180 with a header line; quoted fields may hold commas and
 * doubled quotes; blank lines and lines starting with {@code #} (copy-stream's comments) are skipped.
 * A file that is empty or lacks a required column is refused with a one-line message naming it.
 */
record Csv(Path file, List<String> header, List<Map<String, String>> rows) {

    static Csv read(Path file, String... required) throws IOException {
        List<String> lines = Files.readAllLines(file).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .toList();
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(file + " is empty: expected a CSV header line with "
                    + String.join(", ", required));
        }
        List<String> header = split(lines.get(0));
        for (String column : required) {
            if (!header.contains(column)) {
                throw new IllegalArgumentException(file + ": no column '" + column + "' in header " + header);
            }
        }
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> fields = split(line);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                row.put(header.get(i), i < fields.size() ? fields.get(i) : "");
            }
            rows.add(row);
        }
        return new Csv(file, header, rows);
    }

    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    /** A number as the bench scripts write it; blank, "n/a" or unparsable is NaN (left out of stats). */
    static double num(String s) {
        if (s == null || s.isBlank() || s.equals("n/a")) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(s.trim().replace(',', '.'));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
