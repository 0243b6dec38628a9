package org.fastcopy.pg;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;

/**
 * Which catalogue columns, functions and options a server has, by its version. A copy reads from
 * sources as old as PostgreSQL 9.6 (docs/copy.md, "Server versions"), so every query sent to a source asks here
 * before naming anything newer than 9.6. The version comes from the connection's startup
 * parameters (PgJDBC keeps server_version), so asking sends no query: safe on a connection about
 * to import a snapshot, which must run SET TRANSACTION SNAPSHOT before any query.
 */
public final class ServerFeatures {
    /** pg_sequence, pg_sequence_last_value(), pg_statistic_ext, pg_class.relispartition, partitioned tables. */
    public static final int V10 = 100_000;
    /** pg_attribute.attgenerated (generated columns); float output in shortest exact digits. */
    public static final int V12 = 120_000;
    /** pg_attribute.attcompression (column compression methods, lz4 where built with it). */
    public static final int V14 = 140_000;

    private ServerFeatures() {
    }

    /** server_version_num of the connected server: 90624 for 9.6.24, 150004 for 15.4. */
    public static int versionNum(Connection c) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        int major = md.getDatabaseMajorVersion();
        int minor = md.getDatabaseMinorVersion();
        // From 10 on the version has two parts and the second is the minor release.
        return major >= 10 ? major * 10_000 + minor : major * 10_000 + minor * 100;
    }

    /** Whether the connected server is at least {@code versionNum} (one of the constants). */
    public static boolean atLeast(Connection c, int versionNum) throws SQLException {
        return versionNum(c) >= versionNum;
    }
}
