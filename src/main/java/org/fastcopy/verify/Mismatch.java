package org.fastcopy.verify;

/** One table whose two sides differ. */
public record Mismatch(String table, TableDigest source, TableDigest target) {
    @Override
    public String toString() {
        if (target.equals(TableDigest.MISSING)) {
            return table + " (missing on the target)";
        }
        if (source.rows() != target.rows()) {
            return table + " (rows: source " + source.rows() + ", target " + target.rows() + ")";
        }
        return table + " (same " + source.rows() + " rows, different checksum)";
    }
}
