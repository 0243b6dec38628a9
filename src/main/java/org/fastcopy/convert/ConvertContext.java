package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.pg.Scalar;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * What every step of one convert run shares: the spec, where the sessions come from, the listener
 * and the meters, and the session setting the {@link ConvertStep#TARGET} step chose for loading.
 */
final class ConvertContext {
    static final String APP = "fastcopy-convert";
    /** The base tables, converted in this order: each refers only to those before it. */
    static final List<FlatTable> BASE = List.of(FlatTable.SUBMIT, FlatTable.MPI_INSTALL, FlatTable.TEST_BUILD);
    private static final long LOCK_KEY = 0x66636f6e76L; // "fconv"

    final ConvertSpec spec;
    final ConvertListener listener;
    final ConvertMeters meters;
    final Endpoint v3Endpoint;
    final Endpoint flatEndpoint;
    private final Connections connections;
    /** Set by the target step: what every flat session that loads rows runs first. */
    private volatile String loadingSql = "";

    ConvertContext(ConvertSpec spec, Connections connections, ConvertListener listener, ConvertMeters meters) {
        this.spec = spec;
        this.connections = connections;
        this.listener = listener;
        this.meters = meters;
        this.v3Endpoint = spec.source().withDatabase(spec.v3Database());
        this.flatEndpoint = spec.target().withDatabase(spec.flatDatabase());
    }

    Connection open(Endpoint ep) {
        return connections.open(ep, APP);
    }

    Connection openV3() {
        return open(v3Endpoint);
    }

    Connection openFlat() {
        return open(flatEndpoint);
    }

    void loadingSql(String sql) {
        loadingSql = sql;
    }

    /**
     * A flat session for loading rows. Large values (stdout, stderr) are compressed as they are
     * stored, with the compression of the session, not of the v3 server: pglz, PostgreSQL's
     * default, was the largest single cost of the whole conversion in a profile (18% of the
     * servers' CPU at scale 1). The setting only changes how new values are stored.
     */
    Connection openLoading() throws SQLException {
        Connection c = openFlat();
        if (!loadingSql.isEmpty()) {
            try (Statement st = c.createStatement()) {
                st.execute(loadingSql);
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    /**
     * Only one convert may work on a flat database at a time: the id blocks it reserves and the
     * "id above the converted maximum" rule of the base tables assume it. Held by the session.
     */
    void lock(Connection flat) throws SQLException {
        if (!Scalar.bool(flat, "SELECT pg_try_advisory_lock(?)", LOCK_KEY)) {
            throw new FastcopyException(FastcopyException.FAILED, "another convert is working on " + spec.flatDatabase()
                    + " (advisory lock " + LOCK_KEY + " is held)");
        }
    }

}
