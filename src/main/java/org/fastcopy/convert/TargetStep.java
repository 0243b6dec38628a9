package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.Databases;
import org.fastcopy.pg.Scalar;
import org.fastcopy.pg.ServerError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.fastcopy.util.Sql.literal;

/**
 * {@link ConvertStep#TARGET}: the flat database, created if missing (an existing one is kept: a
 * rerun resumes or adds to it), its tables and sentinel rows when it has none, and the ledger.
 */
final class TargetStep {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);

    private final ConvertContext ctx;

    TargetStep(ConvertContext ctx) {
        this.ctx = ctx;
    }

    Void run() {
        createDatabase();
        try (Connection flat = ctx.openFlat()) {
            flat.setAutoCommit(false);
            boolean hasTables = Scalar.bool(flat, "SELECT to_regclass('public.test_run') IS NOT NULL");
            ctx.loadingSql(toastSetting(flat));
            try (Statement st = flat.createStatement()) {
                if (!hasTables) {
                    log.info("   creating the mttflat tables and sentinel rows");
                    for (String sql : FlatSchema.setup()) {
                        st.execute(sql);
                    }
                }
                st.execute(ConvertLedger.CREATE);
            }
            flat.commit();
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "flat setup of " + ctx.spec.flatDatabase()
                    + " failed: " + ServerError.describe(e), e);
        }
        return null;
    }

    private void createDatabase() {
        String db = ctx.spec.flatDatabase();
        try (Connection admin = ctx.open(ctx.spec.target().withDatabase(Databases.MAINTENANCE_DB))) {
            if (!Databases.exists(admin, db)) {
                log.info("   creating database {}", db);
                Databases.create(admin, db);
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not create " + db + ": "
                    + ServerError.describe(e), e);
        }
    }

    private String toastSetting(Connection flat) throws SQLException {
        String wanted = ctx.spec.toastCompression();
        try (Statement st = flat.createStatement(); ResultSet rs = st.executeQuery("SELECT " + literal(wanted)
                + " = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")) {
            if (!rs.next() || !rs.getBoolean(1)) {
                // Before PostgreSQL 14 there is only pglz; a server may also be built without lz4.
                log.warn("the flat server cannot store large values with {}: they get its default compression", wanted);
                return "";
            }
        }
        return "SET default_toast_compression = " + literal(wanted);
    }
}
