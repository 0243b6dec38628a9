package org.fastcopy.data;

import java.sql.Connection;
import java.sql.SQLException;

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
     * The servers' own rule, for a table whose types all have send/receive functions: BINARY when
     * both run the same major version with the same server encoding, TEXT otherwise. The planner
     * decides per table ({@link ServerPair#formatFor}); this is that rule for {@link BinaryIo#SAME_MAJOR}.
     *
     * @param sourceVersionNum server_version_num of the source, e.g. 150004
     * @param sourceEncoding   server_encoding of the source, e.g. UTF8
     */
    public static CopyFormat choose(int sourceVersionNum, String sourceEncoding,
                                    int targetVersionNum, String targetEncoding) {
        return new ServerPair(sourceVersionNum, targetVersionNum,
                ServerPair.normalize(sourceEncoding).equals(ServerPair.normalize(targetEncoding)), true)
                .formatFor(BinaryIo.SAME_MAJOR);
    }

    /** {@link #choose(int, String, int, String)} with the settings read from both servers ({@link ServerPair#of}). */
    public static CopyFormat choose(Connection source, Connection target) throws SQLException {
        return ServerPair.of(source, target).formatFor(BinaryIo.SAME_MAJOR);
    }

    /** 150004 is 15, 90624 is 9.6 (906): before 10 the major version had two parts. */
    static int major(int versionNum) {
        if (versionNum <= 0) {
            throw new IllegalArgumentException("server_version_num " + versionNum);
        }
        return versionNum >= 100_000 ? versionNum / 10_000 : versionNum / 100;
    }
}
