package org.fastcopy.follow.decode;

import org.fastcopy.follow.decode.PgOutputMessage.Relation;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The latest {@link Relation} message per table oid. The server sends a table's Relation before
 * its first row in a session and again whenever the description may have changed (DDL, and after
 * each TRUNCATE), so a newer message replaces the older one. Row messages carry only the oid; a
 * row for an oid never described means the stream was misread, and {@link #require} says so.
 *
 * <p>Not thread-safe: one follower's receive loop owns it.
 */
public final class RelationCache {
    private final Map<Long, Relation> byOid = new HashMap<>();

    /**
     * Remembers {@code message} when it is a Relation (replacing any earlier one for its oid).
     *
     * @return the previous Relation for the same oid, when {@code message} replaced one
     */
    public Optional<Relation> accept(PgOutputMessage message) {
        if (message instanceof Relation r) {
            return Optional.ofNullable(byOid.put(r.oid(), r));
        }
        return Optional.empty();
    }

    public Optional<Relation> find(long oid) {
        return Optional.ofNullable(byOid.get(oid));
    }

    /** @throws PgOutputException when no Relation message described {@code oid} */
    public Relation require(long oid) {
        Relation r = byOid.get(oid);
        if (r == null) {
            throw new PgOutputException(0, "pgoutput: a row message for relation oid " + oid
                    + " arrived before any Relation message described it");
        }
        return r;
    }

    public int size() {
        return byOid.size();
    }

    /** Forgets everything, as after a reconnect: the server resends each Relation before its rows. */
    public void clear() {
        byOid.clear();
    }
}
