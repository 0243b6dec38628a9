package org.fastcopy.follow.decode;

import org.fastcopy.follow.decode.PgOutputMessage.Begin;
import org.fastcopy.follow.decode.PgOutputMessage.Column;
import org.fastcopy.follow.decode.PgOutputMessage.Commit;
import org.fastcopy.follow.decode.PgOutputMessage.Delete;
import org.fastcopy.follow.decode.PgOutputMessage.Insert;
import org.fastcopy.follow.decode.PgOutputMessage.Message;
import org.fastcopy.follow.decode.PgOutputMessage.Origin;
import org.fastcopy.follow.decode.PgOutputMessage.Relation;
import org.fastcopy.follow.decode.PgOutputMessage.ReplicaIdentity;
import org.fastcopy.follow.decode.PgOutputMessage.Truncate;
import org.fastcopy.follow.decode.PgOutputMessage.Type;
import org.fastcopy.follow.decode.PgOutputMessage.Update;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes pgoutput protocol version 1 (slot options {@code proto_version '1'}), one message per
 * call, strictly: an unknown message type, a field cut short, an unknown tuple column kind, an
 * unknown flag and bytes left over after the last field all throw {@link PgOutputException} with
 * the message type and byte offset. A decoder that guessed would apply wrong rows; one that stops
 * loses nothing, since the slot is confirmed only up to what was applied.
 *
 * <p>Stateless and thread-safe; relations are tracked by {@link RelationCache}.
 */
public final class PgOutputDecoder {
    /**
     * The {@code options} connection parameter for a replication connection whose rows are
     * applied elsewhere. pgoutput sends each value as its type's output function shows it in the
     * walsender's session, so the settings that change that text are pinned to the forms every
     * server reads back unambiguously, whatever the source's postgresql.conf or ALTER DATABASE
     * says: ISO dates, postgres intervals (a sql_standard interval with mixed signs reads back
     * differently under another IntervalStyle), floats with every digit (servers before 12 round
     * otherwise). TimeZone is left alone: timestamptz text carries its offset.
     */
    public static final String SESSION_OPTIONS = "-c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=3";

    private PgOutputDecoder() {
    }

    /**
     * Decodes the message from {@code buf}'s position to its limit (one XLogData payload, as
     * PgJDBC's {@code PGReplicationStream.read()} returns it). The buffer's position is not moved.
     */
    public static PgOutputMessage decode(ByteBuffer buf) {
        MessageReader r = new MessageReader(buf);
        if (!r.hasRemaining()) {
            throw r.fail("empty: no message type byte");
        }
        char type = (char) r.byte1("message type");
        r.describe(describe(type));
        PgOutputMessage m = switch (type) {
            case 'B' -> new Begin(lsn(r, "final LSN"), time(r, "commit time"), r.uint32("xid"));
            case 'C' -> commit(r);
            case 'O' -> new Origin(lsn(r, "origin commit LSN"), r.cstring("origin name"));
            case 'R' -> relation(r);
            case 'Y' -> new Type(r.uint32("type oid"), r.cstring("type namespace"), r.cstring("type name"));
            case 'I' -> insert(r);
            case 'U' -> update(r);
            case 'D' -> delete(r);
            case 'T' -> truncate(r);
            case 'M' -> message(r);
            case 'S', 'E', 'c', 'A' -> throw r.fail("a streamed-transaction message, which needs protocol version 2"
                    + " and the slot option streaming: this decoder speaks version 1");
            case 'b', 'P', 'K', 'r', 'p' -> throw r.fail("a two-phase commit message, which needs protocol version 3"
                    + ": this decoder speaks version 1");
            default -> throw r.fail("unknown message type 0x" + Integer.toHexString(type));
        };
        if (r.hasRemaining()) {
            throw r.failAt(r.offset(), (r.length() - r.offset()) + " bytes left over after the last field");
        }
        return m;
    }

    private static String describe(char type) {
        String name = switch (type) {
            case 'B' -> "Begin";
            case 'C' -> "Commit";
            case 'O' -> "Origin";
            case 'R' -> "Relation";
            case 'Y' -> "Type";
            case 'I' -> "Insert";
            case 'U' -> "Update";
            case 'D' -> "Delete";
            case 'T' -> "Truncate";
            case 'M' -> "Message";
            default -> null;
        };
        boolean printable = type >= 0x20 && type < 0x7F;
        String shown = printable ? "'" + type + "'" : "0x" + Integer.toHexString(type);
        return "message " + shown + (name == null ? "" : " (" + name + ")");
    }

    private static Lsn lsn(MessageReader r, String field) {
        return new Lsn(r.int64(field));
    }

    private static java.time.Instant time(MessageReader r, String field) {
        return PgEpoch.toInstant(r.int64(field));
    }

    private static Commit commit(MessageReader r) {
        int flags = r.byte1("commit flags");
        if (flags != 0) {
            throw r.fail("unknown commit flags " + flags);
        }
        return new Commit(flags, lsn(r, "commit LSN"), lsn(r, "end LSN"), time(r, "commit time"));
    }

    private static Relation relation(MessageReader r) {
        long oid = r.uint32("relation oid");
        String namespace = r.cstring("relation namespace");
        String name = r.cstring("relation name");
        int identCode = r.byte1("replica identity");
        ReplicaIdentity ident = ReplicaIdentity.of(identCode);
        if (ident == null) {
            throw r.fail("unknown replica identity 0x" + Integer.toHexString(identCode));
        }
        int n = r.int16("column count");
        if (n < 0) {
            throw r.fail("negative column count " + n);
        }
        List<Column> columns = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int flags = r.byte1("flags of column " + i);
            if ((flags & ~Column.FLAG_KEY) != 0) {
                throw r.fail("unknown flags " + flags + " of column " + i);
            }
            columns.add(new Column(flags, r.cstring("name of column " + i), r.uint32("type oid of column " + i),
                    r.int32("typmod of column " + i)));
        }
        return new Relation(oid, namespace, name, ident, columns);
    }

    private static Insert insert(MessageReader r) {
        long oid = r.uint32("relation oid");
        expect(r, 'N', "new-tuple marker");
        return new Insert(oid, tuple(r, "new tuple"));
    }

    private static Update update(MessageReader r) {
        long oid = r.uint32("relation oid");
        int marker = r.byte1("tuple marker");
        TupleData old = null;
        char oldKind = 0;
        if (marker == 'K' || marker == 'O') {
            oldKind = (char) marker;
            old = tuple(r, marker == 'K' ? "old key" : "old tuple");
            marker = r.byte1("new-tuple marker");
        }
        if (marker != 'N') {
            throw r.fail("expected tuple marker 'K', 'O' or 'N', found 0x" + Integer.toHexString(marker));
        }
        return new Update(oid, old, oldKind, tuple(r, "new tuple"));
    }

    private static Delete delete(MessageReader r) {
        long oid = r.uint32("relation oid");
        int marker = r.byte1("tuple marker");
        if (marker != 'K' && marker != 'O') {
            throw r.fail("expected tuple marker 'K' or 'O', found 0x" + Integer.toHexString(marker));
        }
        return new Delete(oid, (char) marker, tuple(r, marker == 'K' ? "old key" : "old tuple"));
    }

    private static Truncate truncate(MessageReader r) {
        int n = r.int32("relation count");
        if (n < 0) {
            throw r.fail("negative relation count " + n);
        }
        int options = r.byte1("truncate options");
        if ((options & ~(Truncate.OPTION_CASCADE | Truncate.OPTION_RESTART_IDENTITY)) != 0) {
            throw r.fail("unknown truncate options " + options);
        }
        // Bound the list by what the buffer can hold, so a corrupt count cannot allocate gigabytes.
        if ((long) n * 4 > r.length() - r.offset()) {
            throw r.failAt(r.offset(), "truncated: " + n + " relation oids need " + (long) n * 4 + " bytes, "
                    + (r.length() - r.offset()) + " left of " + r.length());
        }
        List<Long> oids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            oids.add(r.uint32("relation oid " + i));
        }
        return new Truncate((options & Truncate.OPTION_CASCADE) != 0,
                (options & Truncate.OPTION_RESTART_IDENTITY) != 0, oids);
    }

    private static Message message(MessageReader r) {
        int flags = r.byte1("message flags");
        if ((flags & ~1) != 0) {
            throw r.fail("unknown message flags " + flags);
        }
        Lsn lsn = lsn(r, "message LSN");
        String prefix = r.cstring("message prefix");
        int length = r.int32("message content length");
        return new Message((flags & 1) != 0, lsn, prefix, r.bytes(length, "message content"));
    }

    private static void expect(MessageReader r, char marker, String field) {
        int b = r.byte1(field);
        if (b != marker) {
            throw r.fail("expected " + field + " '" + marker + "', found 0x" + Integer.toHexString(b));
        }
    }

    private static TupleData tuple(MessageReader r, String which) {
        int n = r.int16("column count of the " + which);
        if (n < 0) {
            throw r.fail("negative column count " + n + " in the " + which);
        }
        List<TupleData.Value> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kind = r.byte1("kind", i, which);
            values.add(switch (kind) {
                case 'n' -> TupleData.Null.INSTANCE;
                case 'u' -> TupleData.UnchangedToast.INSTANCE;
                case 't' -> TupleData.Text.ofCheckedUtf8(r.utf8Bytes(r.int32("length", i, which), i, which));
                case 'b' -> throw r.fail("column " + i + " of the " + which
                        + " is in binary form, which this decoder does not request (slot option binary)");
                default -> throw r.fail("unknown kind 0x" + Integer.toHexString(kind) + " of column " + i
                        + " of the " + which);
            });
        }
        return new TupleData(values);
    }
}
