package org.fastcopy.data;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * The COPY wire format of a stream.
 *
 * <p>BINARY skips each type's text output on the source and its parser on the target, which is most
 * of COPY's CPU for numeric, timestamp and array heavy tables. Its bytes are only safe between
 * servers of the same major version and the same server encoding: a type's send/receive format may
 * change between majors, and text inside binary fields travels in the server encoding without
 * conversion. Binary also needs identical column types on both sides (an int4 field does not load
 * into int8) and types with send/receive functions; a planner may pick TEXT for a table that breaks
 * either rule.
 *
 * <p>TEXT goes through output and input functions and client_encoding conversion, so it crosses
 * versions and encodings. Hazard: it is exact only when the source session prints what the target
 * parses back identically: DateStyle ISO, IntervalStyle postgres, extra_float_digits at least 1
 * (PgJDBC sets 3 at connect), bytea_output hex or escape. The connection owner sets those.
 */
public enum CopyFormat {
    BINARY("binary"),
    TEXT("text");

    private final String option;

    CopyFormat(String option) {
        this.option = option;
    }

    /** The value of COPY's FORMAT option. */
    public String option() {
        return option;
    }

    /**
     * BINARY when both servers run the same major version with the same server encoding, TEXT
     * otherwise.
     *
     * @param sourceVersionNum server_version_num of the source, e.g. 150004
     * @param sourceEncoding   server_encoding of the source, e.g. UTF8
     */
    public static CopyFormat choose(int sourceVersionNum, String sourceEncoding,
                                    int targetVersionNum, String targetEncoding) {
        boolean sameMajor = major(sourceVersionNum) == major(targetVersionNum);
        boolean sameEncoding = normalize(sourceEncoding).equals(normalize(targetEncoding));
        return sameMajor && sameEncoding ? BINARY : TEXT;
    }

    /**
     * {@link #choose(int, String, int, String)} with the settings read from both servers.
     *
     * <p>Hazard: this runs a query on each connection. On a connection without autocommit that
     * query begins the transaction, and a transaction that has run a query can no longer import a
     * snapshot (SET TRANSACTION SNAPSHOT must come first). Ask before the worker's transactions
     * start, or on other connections to the same servers.
     */
    public static CopyFormat choose(Connection source, Connection target) throws SQLException {
        ServerFacts s = ServerFacts.of(source);
        ServerFacts t = ServerFacts.of(target);
        return choose(s.versionNum, s.encoding, t.versionNum, t.encoding);
    }

    /** 150004 is 15, 90624 is 9.6 (906): before 10 the major version had two parts. */
    static int major(int versionNum) {
        if (versionNum <= 0) {
            throw new IllegalArgumentException("server_version_num " + versionNum);
        }
        return versionNum >= 100_000 ? versionNum / 10_000 : versionNum / 100;
    }

    private static String normalize(String encoding) {
        return ServerPair.normalize(encoding);
    }

    private record ServerFacts(int versionNum, String encoding) {
        static ServerFacts of(Connection c) throws SQLException {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int, "
                         + "current_setting('server_encoding')")) {
                rs.next();
                return new ServerFacts(rs.getInt(1), rs.getString(2));
            }
        }
    }
}
