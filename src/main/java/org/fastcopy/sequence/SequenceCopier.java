package org.fastcopy.sequence;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.ServerFeatures;
import org.fastcopy.pg.UserRelations;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.fastcopy.util.Sql.qualified;

/**
 * Sets every sequence on the target to the source's value. pg_dump's schema holds the sequences
 * with their start values only; the values live in the data section, which fastcopy replaces.
 *
 * <p>Hazard: sequences are not transactional, so the value read is the current one, not the
 * snapshot's; it can only be ahead of the copied rows, never behind, which keeps new ids unique.
 */
public final class SequenceCopier {
    private static final int BATCH = 500;

    private SequenceCopier() {
    }

    public record SequenceValue(String schema, String name, long lastValue, boolean isCalled) {
    }

    public static List<SequenceValue> read(Connection source) {
        try {
            if (!ServerFeatures.atLeast(source, ServerFeatures.V10)) {
                return readBefore10(source);
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not read sequences on the source: "
                    + ServerError.describe(e), e);
        }
        List<SequenceValue> out = new ArrayList<>();
        // pg_sequence_last_value() is NULL for a sequence never called: setval(start, false) then.
        String sql = """
                SELECT n.nspname, c.relname, s.seqstart,
                       pg_catalog.pg_sequence_last_value(c.oid)
                  FROM pg_catalog.pg_class c
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
                 WHERE c.relkind = 'S'
                   AND n.nspname <> '_fastcopy'
                """ + "   AND " + UserRelations.USER_SCHEMA + "\n   AND " + UserRelations.NOT_EXTENSION_MEMBER
                + "\n ORDER BY 1, 2";
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                long last = rs.getLong(4);
                boolean called = !rs.wasNull();
                out.add(new SequenceValue(rs.getString(1), rs.getString(2), called ? last : rs.getLong(3), called));
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not read sequences on the source: "
                    + ServerError.describe(e), e);
        }
        return out;
    }

    /**
     * Before PostgreSQL 10 there is no pg_sequence nor pg_sequence_last_value(): each sequence is a
     * one-row relation holding last_value and is_called, read here a batch of relations per query.
     */
    private static List<SequenceValue> readBefore10(Connection source) throws SQLException {
        List<String[]> names = new ArrayList<>();
        String sql = """
                SELECT n.nspname, c.relname
                  FROM pg_catalog.pg_class c
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind = 'S'
                   AND n.nspname <> '_fastcopy'
                """ + "   AND " + UserRelations.USER_SCHEMA + "\n   AND " + UserRelations.NOT_EXTENSION_MEMBER
                + "\n ORDER BY 1, 2";
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                names.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        List<SequenceValue> out = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i += BATCH) {
            List<String[]> batch = names.subList(i, Math.min(names.size(), i + BATCH));
            StringBuilder union = new StringBuilder();
            for (int j = 0; j < batch.size(); j++) {
                union.append(j == 0 ? "" : " UNION ALL ").append("SELECT ").append(j).append(", last_value, is_called FROM ")
                        .append(qualified(batch.get(j)[0], batch.get(j)[1]));
            }
            try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery(union + " ORDER BY 1")) {
                while (rs.next()) {
                    String[] n = batch.get(rs.getInt(1));
                    out.add(new SequenceValue(n[0], n[1], rs.getLong(2), rs.getBoolean(3)));
                }
            }
        }
        return out;
    }

    /** Applies the values, a batch of setval() calls per round trip. */
    public static void apply(Connection target, List<SequenceValue> values) {
        for (int i = 0; i < values.size(); i += BATCH) {
            List<SequenceValue> batch = values.subList(i, Math.min(values.size(), i + BATCH));
            StringBuilder sql = new StringBuilder("SELECT ");
            for (int j = 0; j < batch.size(); j++) {
                sql.append(j == 0 ? "" : ", ").append("pg_catalog.setval(?::regclass, ?, ?)");
            }
            try (PreparedStatement ps = target.prepareStatement(sql.toString())) {
                int p = 1;
                for (SequenceValue v : batch) {
                    ps.setString(p++, qualified(v.schema(), v.name()));
                    ps.setLong(p++, v.lastValue());
                    ps.setBoolean(p++, v.isCalled());
                }
                ps.executeQuery().close();
            } catch (SQLException e) {
                throw new FastcopyException(FastcopyException.FAILED, "could not set sequence values on the target (batch from "
                        + batch.get(0).schema() + "." + batch.get(0).name() + "): " + ServerError.describe(e), e);
            }
        }
    }
}
