package org.fastcopy.follow.decode;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One message of PostgreSQL's logical replication output plugin pgoutput, protocol version 1
 * (PostgreSQL documentation, "Logical Replication Message Formats"), as {@link PgOutputDecoder}
 * decodes it from the payload of one XLogData message. Object identifiers and transaction ids are
 * unsigned 32-bit numbers on the wire and are held in a {@code long}, so they never print negative.
 *
 * <p>Within a transaction the server sends Begin, then (when the change came from a replication
 * origin) Origin, then for each table a Relation (and a Type for each non-built-in column type)
 * before its first row, then the rows, then Commit. Relation messages come again whenever the
 * table's description may have changed (and after each TRUNCATE), so a consumer keeps the latest
 * per oid ({@link RelationCache}).
 */
public sealed interface PgOutputMessage {

    /** The message type byte on the wire ('B', 'C', ...). */
    char type();

    /**
     * 'B': a transaction starts.
     *
     * @param finalLsn   the LSN of the transaction's commit record
     * @param commitTime when the transaction committed on the source
     * @param xid        the source transaction's id
     */
    record Begin(Lsn finalLsn, Instant commitTime, long xid) implements PgOutputMessage {
        @Override
        public char type() {
            return 'B';
        }
    }

    /**
     * 'C': the transaction commits.
     *
     * @param flags      unused by the server so far (always 0)
     * @param commitLsn  the LSN of the commit record (equal to Begin's finalLsn)
     * @param endLsn     the end of the commit record: the position to confirm to the slot once this
     *                   transaction is durable on the target
     * @param commitTime when the transaction committed on the source
     */
    record Commit(int flags, Lsn commitLsn, Lsn endLsn, Instant commitTime) implements PgOutputMessage {
        @Override
        public char type() {
            return 'C';
        }
    }

    /**
     * 'O': the transaction came from a replication origin (another node's apply, or a session that
     * called pg_replication_origin_session_setup).
     *
     * @param lsn  the commit LSN on the origin server
     * @param name the origin's name
     */
    record Origin(Lsn lsn, String name) implements PgOutputMessage {
        @Override
        public char type() {
            return 'O';
        }
    }

    /**
     * 'R': the description of a table the following rows belong to.
     *
     * @param oid             the table's oid on the source
     * @param namespace       its schema ("pg_catalog" is sent as the empty string)
     * @param name            its name
     * @param replicaIdentity which old values an UPDATE or DELETE carries
     * @param columns         the published columns in attribute order (dropped and generated
     *                        columns are left out by the server)
     */
    record Relation(long oid, String namespace, String name, ReplicaIdentity replicaIdentity,
                    List<Column> columns) implements PgOutputMessage {
        public Relation {
            columns = List.copyOf(columns);
        }

        @Override
        public char type() {
            return 'R';
        }

        /** "schema"."name" for messages. */
        public String qualifiedName() {
            return namespace.isEmpty() ? name : namespace + "." + name;
        }
    }

    /**
     * One column of a {@link Relation}.
     *
     * @param flags   1 when the column is part of the replica identity key, else 0
     * @param name    the column's name
     * @param typeOid the oid of its data type
     * @param typmod  its type modifier (-1 for none)
     */
    record Column(int flags, String name, long typeOid, int typmod) {
        public static final int FLAG_KEY = 1;

        public boolean isKey() {
            return (flags & FLAG_KEY) != 0;
        }
    }

    /** A table's REPLICA IDENTITY setting, as pg_class.relreplident spells it. */
    enum ReplicaIdentity {
        /** 'd': the primary key's columns. */
        DEFAULT('d'),
        /** 'n': no old values at all. */
        NOTHING('n'),
        /** 'f': every column of the old row. */
        FULL('f'),
        /** 'i': the columns of a chosen unique index. */
        INDEX('i');

        private final char code;

        ReplicaIdentity(char code) {
            this.code = code;
        }

        public char code() {
            return code;
        }

        /** @return null when {@code code} is none of 'd', 'n', 'f', 'i' */
        static ReplicaIdentity of(int code) {
            for (ReplicaIdentity r : values()) {
                if (r.code == code) {
                    return r;
                }
            }
            return null;
        }
    }

    /**
     * 'Y': a data type that is not built in (a user-defined type, enum, domain...), sent before
     * the first Relation that has a column of it.
     */
    record Type(long oid, String namespace, String name) implements PgOutputMessage {
        @Override
        public char type() {
            return 'Y';
        }
    }

    /** 'I': a new row. */
    record Insert(long relationOid, TupleData newTuple) implements PgOutputMessage {
        public Insert {
            Objects.requireNonNull(newTuple, "newTuple");
        }

        @Override
        public char type() {
            return 'I';
        }
    }

    /**
     * 'U': a changed row.
     *
     * @param oldKind    'K' when {@code oldOrKey} holds the old key columns only (the key changed),
     *                   'O' when it holds the whole old row (REPLICA IDENTITY FULL), 0 when the
     *                   server sent no old values (the key did not change)
     * @param oldOrKey   the old key or old row; null when {@code oldKind} is 0
     * @param newTuple   the new row; a TOASTed value that did not change arrives as
     *                   {@link TupleData.UnchangedToast}
     */
    record Update(long relationOid, TupleData oldOrKey, char oldKind, TupleData newTuple) implements PgOutputMessage {
        public Update {
            Objects.requireNonNull(newTuple, "newTuple");
            if ((oldKind == 0) != (oldOrKey == null)) {
                throw new IllegalArgumentException("oldKind " + (int) oldKind + " and oldOrKey " + oldOrKey + " disagree");
            }
        }

        @Override
        public char type() {
            return 'U';
        }
    }

    /**
     * 'D': a deleted row.
     *
     * @param kind     'K' for the old key columns (other columns are null), 'O' for the whole old row
     * @param oldOrKey the old key or row
     */
    record Delete(long relationOid, char kind, TupleData oldOrKey) implements PgOutputMessage {
        public Delete {
            Objects.requireNonNull(oldOrKey, "oldOrKey");
        }

        @Override
        public char type() {
            return 'D';
        }
    }

    /**
     * 'T': TRUNCATE of one or more tables in one statement.
     *
     * @param cascade         TRUNCATE ... CASCADE
     * @param restartIdentity TRUNCATE ... RESTART IDENTITY
     * @param relationOids    the truncated tables, each described by an earlier Relation
     */
    record Truncate(boolean cascade, boolean restartIdentity, List<Long> relationOids) implements PgOutputMessage {
        public static final int OPTION_CASCADE = 1;
        public static final int OPTION_RESTART_IDENTITY = 2;

        public Truncate {
            relationOids = List.copyOf(relationOids);
        }

        @Override
        public char type() {
            return 'T';
        }
    }

    /**
     * 'M': a logical decoding message (pg_logical_emit_message), sent only when the slot option
     * {@code messages} is true (PostgreSQL 14 on). Careful: the content array is not copied and
     * records compare arrays by identity.
     *
     * @param transactional whether it was emitted inside the transaction (else at once)
     * @param lsn           the LSN of the message
     * @param prefix        the prefix given to pg_logical_emit_message
     * @param content       the content, raw bytes
     */
    record Message(boolean transactional, Lsn lsn, String prefix, byte[] content) implements PgOutputMessage {
        @Override
        public char type() {
            return 'M';
        }
    }
}
