package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.Scalar;
import org.fastcopy.pg.ServerError;
import org.fastcopy.report.RunRecorder;
import org.fastcopy.report.Span;
import org.fastcopy.work.Workers;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * {@link ConvertStep#KEYS}: the flat indexes, built in parallel on up to {@code --jobs} sessions
 * ({@link Workers}), then the foreign keys that are missing, one after the other (each locks the
 * table it references in a mode the others' conflicts with).
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

    /** One worker per session, each taking index statements from a queue; the first failure stops the others. */
    private void indexes() {
        Queue<String> sql = new ConcurrentLinkedQueue<>(FlatSchema.indexes());
        Workers.named("convert-index", Math.min(ctx.spec.jobs(), sql.size())).run(w -> {
            try (Connection c = ctx.openFlat(); Statement st = c.createStatement()) {
                for (String s; !w.stopped() && (s = sql.poll()) != null; ) {
                    RunRecorder.current().begin(Span.Kind.DDL, s.length() <= 100 ? s : s.substring(0, 100) + "...");
                    st.execute(s);
                    RunRecorder.current().end(0, 0);
                }
            } catch (SQLException e) {
                RunRecorder.current().failed();
                throw new FastcopyException(FastcopyException.FAILED, "flat indexes failed: " + ServerError.describe(e), e);
            }
            return null;
        });
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
