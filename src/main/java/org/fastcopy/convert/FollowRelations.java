package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.follow.decode.PgOutputMessage;
import org.fastcopy.follow.decode.TupleData;
import org.fastcopy.pg.Scalar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

import static org.fastcopy.util.Sql.ident;

/**
 * What each streamed relation is to the follower: a result table (a parent or one of its weekly
 * children), a dimension table flat inlines, or nothing (a publication FOR ALL TABLES streams
 * every table: the others are ignored). Learnt from the stream's Relation messages, which come
 * before a relation's first change in each session.
 */
final class FollowRelations {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);

    /**
     * @param table the result table, or null; @param dimension the dimension, or null
     * @param relation the streamed relation as a FROM item of that table alone ("ONLY name")
     */
    record Target(FlatTable table, FollowDimension dimension, int idColumn, String relation) {
        /** The row's id, or empty for a missing value or the sentinel 0. */
        OptionalLong id(TupleData tuple) {
            if (tuple == null || idColumn >= tuple.size() || tuple.text(idColumn) == null) {
                return OptionalLong.empty();
            }
            long id = Long.parseLong(tuple.text(idColumn));
            return id == 0 ? OptionalLong.empty() : OptionalLong.of(id);
        }
    }

    private final Map<Long, Target> byOid = new HashMap<>();

    /** The target of a relation oid, or null when the follower ignores it. */
    Target of(long oid) {
        return byOid.get(oid);
    }

    /** @param v3 autocommit on */
    void learn(PgOutputMessage.Relation r, Connection v3) throws SQLException {
        String name = r.name();
        FlatTable table = result(name);
        FollowDimension dim = FollowDimension.named(name);
        if (table == null && dim == null && "public".equals(r.namespace())) {
            // A weekly child: named after its parent.
            String parent = Scalar.text(v3, "SELECT coalesce((SELECT p.relname FROM pg_catalog.pg_inherits i JOIN "
                    + "pg_catalog.pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = ?::oid LIMIT 1), '')", r.oid());
            table = result(parent);
        }
        if (!"public".equals(r.namespace()) || (table == null && dim == null)) {
            log.debug("convert --follow: {} is ignored (neither a result nor an inlined dimension table)", r.qualifiedName());
            byOid.remove(r.oid());
            return;
        }
        String idColumn = table != null ? table.idColumn : dim.idColumn;
        for (int i = 0; i < r.columns().size(); i++) {
            if (r.columns().get(i).name().equals(idColumn)) {
                byOid.put(r.oid(), new Target(table, dim, i, "ONLY " + ident(name)));
                return;
            }
        }
        throw new FastcopyException(FastcopyException.FAILED, "convert --follow: " + r.qualifiedName() + " has no column "
                + idColumn);
    }

    private static FlatTable result(String name) {
        for (FlatTable t : FlatTable.values()) {
            if (t.table.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
