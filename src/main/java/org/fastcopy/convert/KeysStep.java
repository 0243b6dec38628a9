package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.Scalar;
import org.fastcopy.pg.ServerError;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;


/**
 * {@link ConvertStep#KEYS}: the flat indexes, built in parallel on up to {@code --jobs} sessions,
 * then the foreign keys that are missing, one after the other (each locks the table it references
 * in a mode the others' conflicts with).
 */
final class KeysStep {
    private final ConvertContext ctx;

    KeysStep(ConvertContext ctx) {
        this.ctx = ctx;
    }

    Void run() {
        indexes();
        foreignKeys();
        return null;
    }

    private void indexes() {
        List<String> sql = FlatSchema.indexes();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(ctx.spec.jobs(), sql.size()));
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (String s : sql) {
                fs.add(pool.submit(() -> {
                    try (Connection c = ctx.openFlat(); Statement st = c.createStatement()) {
                        st.execute(s);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (Exception e) {
            throw new FastcopyException(FastcopyException.FAILED, "flat indexes failed: "
                    + ServerError.describe(e instanceof ExecutionException x ? x.getCause() : e), e);
        } finally {
            pool.shutdownNow();
        }
    }

    private void foreignKeys() {
        try (Connection c = ctx.openFlat(); Statement st = c.createStatement()) {
            for (Map.Entry<String, String> fk : FlatSchema.foreignKeys().entrySet()) {
                if (!Scalar.bool(c, "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = ?)", fk.getKey())) {
                    st.execute(fk.getValue());
                }
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "flat foreign keys failed: " + ServerError.describe(e), e);
        }
    }
}
