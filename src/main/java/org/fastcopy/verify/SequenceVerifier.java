package org.fastcopy.verify;

import org.fastcopy.pg.ServerFeatures;
import org.fastcopy.pg.UserRelations;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.fastcopy.util.Sql.qualified;

/**
 * Compares the sequences of two databases: each one's value (last_value and is_called, read from
 * the sequence itself, since pg_sequence_last_value hides a value set with is_called false) and
 * its definition (type, increment, min, max, start, cycle: pg_sequence on 10+, the sequence
 * relation before). The same in both modes: it costs one small query per sequence.
 *
 * <p>Hazard: sequences are not transactional, so a busy source's values are read as they are
 * now, not as of the snapshot; compare a source that nothing writes to.
 */
public final class SequenceVerifier {
    /**
     * @param compared    sequences on the source
     * @param differences one line per sequence that differs, sorted by name
     */
    public record Result(long compared, List<String> differences) {
    }

    private record State(String definition, String value) {
    }

    private static final String LIST = "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind = 'S' AND n.nspname <> '_fastcopy' AND " + UserRelations.USER_SCHEMA
            + " AND " + UserRelations.NOT_EXTENSION_MEMBER;

    private static final String DEFINITION_10 = "SELECT format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin,"
            + " s.seqmax, s.seqstart, s.seqcycle FROM pg_catalog.pg_sequence s WHERE s.seqrelid = '%s'::regclass";

    private static final String DEFINITION_96 = "SELECT 'bigint', increment_by, min_value, max_value, start_value,"
            + " is_cycled FROM %s";

    private SequenceVerifier() {
    }

    public static Result compare(Connection source, Connection target) throws SQLException {
        Map<String, State> src = read(source);
        Map<String, State> dst = read(target);
        TreeSet<String> names = new TreeSet<>(src.keySet());
        names.addAll(dst.keySet());
        List<String> out = new ArrayList<>();
        for (String name : names) {
            State a = src.get(name);
            State b = dst.get(name);
            if (Objects.equals(a, b)) {
                continue;
            }
            if (a == null) {
                out.add("sequence " + name + " (exists only on the target)");
            } else if (b == null) {
                out.add("sequence " + name + " (missing on the target)");
            } else if (!a.definition().equals(b.definition())) {
                out.add("sequence " + name + " (definition: source " + a.definition() + ", target " + b.definition() + ")");
            } else {
                out.add("sequence " + name + " (value: source " + a.value() + ", target " + b.value() + ")");
            }
        }
        return new Result(src.size(), List.copyOf(out));
    }

    /** Sequences by display name (schema.name): their definition and value. */
    private static Map<String, State> read(Connection c) throws SQLException {
        List<String[]> names = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(LIST)) {
            while (rs.next()) {
                names.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        boolean catalog = ServerFeatures.atLeast(c, ServerFeatures.V10);
        Map<String, State> out = new TreeMap<>();
        try (Statement st = c.createStatement()) {
            for (String[] n : names) {
                String q = qualified(n[0], n[1]);
                String definition;
                // A quoted name inside a quoted literal: regclass parses the identifier quoting.
                String sql = catalog ? String.format(DEFINITION_10, q.replace("'", "''")) : String.format(DEFINITION_96, q);
                try (ResultSet rs = st.executeQuery(sql)) {
                    rs.next();
                    definition = rs.getString(1) + " increment " + rs.getLong(2) + " min " + rs.getLong(3)
                            + " max " + rs.getLong(4) + " start " + rs.getLong(5) + (rs.getBoolean(6) ? " cycle" : " no cycle");
                }
                String value;
                try (ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + q)) {
                    rs.next();
                    value = rs.getLong(1) + (rs.getBoolean(2) ? " (called)" : " (not called)");
                }
                out.put(n[0] + "." + n[1], new State(definition, value));
            }
        }
        return out;
    }
}
