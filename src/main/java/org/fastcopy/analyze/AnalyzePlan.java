package org.fastcopy.analyze;

import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.ServerFeatures;
import org.fastcopy.pg.UserRelations;
import org.fastcopy.FastcopyException;
import org.fastcopy.plan.SourceTable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which tables get their statistics where. Most tables are analysed (and vacuumed where autovacuum
 * would) by the data worker that loaded them, right after the commit ({@link AfterLoad}); the rest
 * wait for the final ANALYZE because their statistics need something that does not exist yet when
 * their own rows are in:
 * <ul>
 * <li>an inheritance parent: its inheritance-tree statistics sample every child;</li>
 * <li>an expression index: ANALYZE gathers the expression's statistics only once the index exists,
 *     and indexes are post-data;</li>
 * <li>an extended statistics object (CREATE STATISTICS, also post-data).</li>
 * </ul>
 * Partitioned parents hold no rows, so no worker loads them, and autovacuum never analyses them:
 * the final ANALYZE does ({@link #partitionedParents}), as a DBA would after pg_restore.
 *
 * <p>Read in the source snapshot, like the rest of the plan: the target's schema is the source's.
 */
public final class AnalyzePlan {
    private static final String LATER = """
            SELECT c.oid
              FROM pg_catalog.pg_class c
             WHERE c.relkind = 'r'
               AND (c.relhassubclass
                    OR EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                                WHERE i.indrelid = c.oid AND i.indexprs IS NOT NULL)%s)
            """;
    /** Extended statistics objects exist from PostgreSQL 10. */
    private static final String EXTENDED_STATISTICS = """

                    OR EXISTS (SELECT 1 FROM pg_catalog.pg_statistic_ext s WHERE s.stxrelid = c.oid)""";

    private static final String PARTITIONED = """
            SELECT n.nspname, c.relname
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'p'
               AND n.nspname <> '_fastcopy'
               AND %s
               AND %s
             ORDER BY 1, 2
            """.formatted(UserRelations.USER_SCHEMA, UserRelations.NOT_EXTENSION_MEMBER);

    /** A table by its (target) schema and name. */
    public record Name(String schema, String name) {
    }

    private final Set<Long> later;
    private final List<Name> partitioned;

    private AnalyzePlan(Set<Long> later, List<Name> partitioned) {
        this.later = Set.copyOf(later);
        this.partitioned = List.copyOf(partitioned);
    }

    /** Reads the plan on the snapshot holder's session. */
    public static AnalyzePlan read(Connection source) {
        try {
            Set<Long> later = new HashSet<>();
            try (PreparedStatement ps = source.prepareStatement(LATER.formatted(
                    ServerFeatures.atLeast(source, ServerFeatures.V10) ? EXTENDED_STATISTICS : "")); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    later.add(rs.getLong(1));
                }
            }
            List<Name> partitioned = new ArrayList<>();
            try (PreparedStatement ps = source.prepareStatement(PARTITIONED); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    partitioned.add(new Name(rs.getString(1), rs.getString(2)));
                }
            }
            return new AnalyzePlan(later, partitioned);
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not read which source tables need their statistics last: "
                    + ServerError.describe(e), e);
        }
    }

    /** True when the worker that loads the table may vacuum and analyse it right after its commit. */
    public boolean afterLoad(SourceTable t) {
        return !later.contains(t.oid());
    }

    /** Partitioned parents, for the final ANALYZE. */
    public List<Name> partitionedParents() {
        return partitioned;
    }
}
