package org.fastcopy.schema;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Splits each foreign key into {@code ADD CONSTRAINT ... NOT VALID} and a separate
 * {@code VALIDATE CONSTRAINT}, so that the key ends exactly as pg_restore leaves it
 * (pg_constraint.convalidated = true, the same triggers, the same dump) but costs less.
 *
 * <p>Why: every key adds two triggers to the table it references, and each time that table's
 * relcache entry is rebuilt it reads all of them. Adding a valid key rebuilds it more than once
 * (once more for the check query), so on a dimension referenced by thousands of children the cost
 * grows with the square of their number. Measured on the MTT database at scale 1 (1,500 keys to one
 * dimension, one session, loaded machine): ADD 38-39 s; ADD ... NOT VALID 18-20 s, then VALIDATE
 * 4.3 s. VALIDATE takes only SHARE UPDATE EXCLUSIVE on the child and ROW SHARE on the referenced
 * table, so it runs beside other keys being added to that table, on any connection.
 *
 * <p>Only the plain case is split: a key between ordinary tables (NOT VALID is refused on a
 * partitioned table), in pg_dump's form {@code ALTER TABLE ONLY t ADD CONSTRAINT c FOREIGN KEY ...;}.
 * A key the source holds NOT VALID is left alone: it stays unvalidated, as on the source.
 * Anything else runs as pg_dump wrote it.
 */
final class ForeignKeyValidation {
    static final String ADD_TYPE = "FK CONSTRAINT";
    /** The item type of the second half; its ledger mark differs from the first half's. */
    static final String VALIDATE_TYPE = "FK VALIDATE";
    private static final String HEAD = "ALTER TABLE ONLY ";
    private static final String ADD = "\n    ADD CONSTRAINT ";
    private static final String NOT_VALID = " NOT VALID;";

    private ForeignKeyValidation() {
    }

    /**
     * The items with every splittable key replaced by its two halves, the VALIDATE right after
     * its ADD. Idempotent: a list split before (or filtered after splitting) comes back unchanged.
     */
    static List<TocEntry> split(List<TocEntry> entries, EntryTables tables) {
        Set<Long> validated = new HashSet<>();
        for (TocEntry e : entries) {
            if (e.type().equals(VALIDATE_TYPE)) {
                validated.add(e.catalogOid());
            }
        }
        List<TocEntry> out = new ArrayList<>(entries.size() * 2);
        for (TocEntry e : entries) {
            Optional<String[]> halves = e.type().equals(ADD_TYPE) && !validated.contains(e.catalogOid())
                    && plainTables(e, tables) ? halves(e.sql()) : Optional.empty();
            if (halves.isEmpty()) {
                out.add(e);
                continue;
            }
            out.add(new TocEntry(e.dumpId(), e.catalogClass(), e.catalogOid(), e.dependencies(), e.name(), e.type(),
                    e.schema(), e.owner(), new Half(e.text(), 0), e.settings()));
            out.add(new TocEntry(-1, e.catalogClass(), e.catalogOid(), e.dumpId() < 0 ? List.of() : List.of(e.dumpId()),
                    e.name(), VALIDATE_TYPE, e.schema(), e.owner(), new Half(e.text(), 1), e.settings()));
        }
        return out;
    }

    /**
     * One half of a split key, made from the key's own text when it runs: the halves are not held
     * as Strings, so a key read from the script on disk stays there (see {@link DdlText}).
     */
    record Half(DdlText key, int which) implements DdlText {
        @Override
        public String read() {
            return halves(key.read()).orElseThrow(() -> new IllegalStateException("the key's SQL no longer splits"))[which];
        }
    }

    private static boolean plainTables(TocEntry e, EntryTables tables) {
        Optional<TableName> table = tables.table(e);
        Optional<TableName> referenced = tables.referenced(e);
        return table.isPresent() && referenced.isPresent()
                && tables.tableData(e).equals(List.of(table.get()))
                && tables.referencedData(e).equals(List.of(referenced.get()));
    }

    /** {ADD ... NOT VALID, VALIDATE CONSTRAINT}, or empty when the SQL is not in the expected form. */
    static Optional<String[]> halves(String sql) {
        String s = sql.strip();
        int add = s.indexOf(ADD);
        if (!s.startsWith(HEAD) || add < 0 || !s.endsWith(";") || s.endsWith(NOT_VALID)
                || s.indexOf(';') != s.length() - 1) {
            return Optional.empty();
        }
        int nameStart = add + ADD.length();
        int nameEnd = identifierEnd(s, nameStart);
        if (nameEnd < 0 || !s.startsWith(" FOREIGN KEY ", nameEnd)) {
            return Optional.empty();
        }
        String table = s.substring(0, add);
        String name = s.substring(nameStart, nameEnd);
        return Optional.of(new String[] {
                s.substring(0, s.length() - 1) + NOT_VALID,
                table + "\n    VALIDATE CONSTRAINT " + name + ";"});
    }

    /** End of the identifier starting at {@code i}: a double-quoted one ("" inside), or up to a space. */
    private static int identifierEnd(String s, int i) {
        if (i >= s.length()) {
            return -1;
        }
        if (s.charAt(i) != '"') {
            int space = s.indexOf(' ', i);
            return space <= i ? -1 : space;
        }
        for (int j = i + 1; j < s.length(); j++) {
            if (s.charAt(j) == '"') {
                if (j + 1 < s.length() && s.charAt(j + 1) == '"') {
                    j++;
                } else {
                    return j + 1;
                }
            }
        }
        return -1;
    }
}
