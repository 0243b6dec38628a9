package org.fastcopy.data;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * What the two servers of a copy have in common that decides a table's COPY format: major
 * versions, server encodings and integer datetimes.
 *
 * <p>Binary bytes of text types travel in the server encoding without conversion, so binary needs
 * the same encoding. Between majors a type's send/receive format may change; {@link BinaryIo}
 * says which tables use only types whose format has not, and those go binary from an older server
 * into a newer one (never the other way: a newer server may send values an older one cannot read,
 * such as numeric infinities). Timestamps are int64 microseconds only with integer datetimes,
 * which every server from 10 has, and a 9.6 may have been built without.
 *
 * @param sourceVersionNum server_version_num of the source, e.g. 90624
 * @param targetVersionNum server_version_num of the target
 * @param sameEncoding     server_encoding equal on both
 * @param integerDatetimes integer_datetimes on on both
 */
public record ServerPair(int sourceVersionNum, int targetVersionNum, boolean sameEncoding, boolean integerDatetimes) {

    /**
     * Reads both servers' settings.
     *
     * <p>Hazard: this runs a query on each connection. On a connection without autocommit that
     * query begins the transaction, and a transaction that has run a query can no longer import a
     * snapshot (SET TRANSACTION SNAPSHOT must come first). Ask before the worker's transactions
     * start, or on other connections to the same servers.
     */
    public static ServerPair of(Connection source, Connection target) throws SQLException {
        Facts s = Facts.of(source);
        Facts t = Facts.of(target);
        return new ServerPair(s.versionNum, t.versionNum, normalize(s.encoding).equals(normalize(t.encoding)),
                s.integerDatetimes && t.integerDatetimes);
    }

    /** Two servers of one major version and one encoding: what every test pair on one installation is. */
    public static ServerPair sameServers(int versionNum) {
        return new ServerPair(versionNum, versionNum, true, true);
    }

    public boolean sameMajor() {
        return CopyFormat.major(sourceVersionNum) == CopyFormat.major(targetVersionNum);
    }

    /** The format of a table whose types allow {@code io}. */
    public CopyFormat formatFor(BinaryIo io) {
        if (!sameEncoding || io == BinaryIo.NONE) {
            return CopyFormat.TEXT;
        }
        if (sameMajor()) {
            return io != BinaryIo.NESTED_USER_TYPES || targetVersionNum >= 140000 ? CopyFormat.BINARY : CopyFormat.TEXT;
        }
        // server_version_num orders versions (CopyFormat.major does not: 9.6 is 906, 15 is 15)
        boolean upward = targetVersionNum > sourceVersionNum;
        return io == BinaryIo.ANY_MAJOR && upward && integerDatetimes ? CopyFormat.BINARY : CopyFormat.TEXT;
    }

    /** For the plan: why tables go the way they go. */
    public String describe() {
        if (!sameEncoding) {
            return "text for every table: the servers' encodings differ";
        }
        if (sameMajor()) {
            return "binary (same major version and encoding), text for tables whose types cannot travel in binary";
        }
        if (targetVersionNum < sourceVersionNum) {
            return "text for every table: the target is an older major version than the source";
        }
        if (!integerDatetimes) {
            return "text for every table: a server lacks integer datetimes";
        }
        return "binary between major versions " + version(sourceVersionNum) + " and " + version(targetVersionNum)
                + " for tables of built-in types whose binary format both share, text for the rest";
    }

    private static String version(int num) {
        int major = CopyFormat.major(num);
        return major >= 100 ? (major / 100) + "." + (major % 100) : Integer.toString(major);
    }

    static String normalize(String encoding) {
        return encoding.trim().toUpperCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    private record Facts(int versionNum, String encoding, boolean integerDatetimes) {
        static Facts of(Connection c) throws SQLException {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int, "
                         + "current_setting('server_encoding'), current_setting('integer_datetimes')")) {
                rs.next();
                return new Facts(rs.getInt(1), rs.getString(2), "on".equals(rs.getString(3)));
            }
        }
    }
}
