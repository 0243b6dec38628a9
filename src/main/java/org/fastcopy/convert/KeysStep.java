package org.fastcopy.convert;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;
import org.fastcopy.report.RunRecorder;
import org.fastcopy.report.Span;
import org.fastcopy.work.Workers;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ConvertStep#KEYS}: the flat indexes and foreign keys, on up to {@code --jobs} sessions
 * ({@link Workers}) at once.
 *
 * <p>A foreign key is added {@code NOT VALID} first (no scan; all of them in one session, before
 * anything else takes a lock), then checked by {@code VALIDATE CONSTRAINT}, the same one join the
 * plain {@code ADD} runs. Why: {@code ADD FOREIGN KEY} locks both tables SHARE ROW EXCLUSIVE,
 * which conflicts with itself and with an index build on either, so the keys could only go one
 * after another; {@code VALIDATE} locks only its own table (SHARE UPDATE EXCLUSIVE) and the
 * referenced one in a mode nothing here conflicts with. What still conflicts, per table: a
 * validation with another validation or an index build of the same table. {@link Schedule} hands
 * out only statements that can run now, so no session sits blocked on a lock while another
 * statement could use the core.
 */
final class KeysStep {
    private final ConvertContext ctx;

    KeysStep(ConvertContext ctx) {
        this.ctx = ctx;
    }

    /** One statement and the table whose lock it needs. */
    record Task(String table, String sql, boolean validate) {
    }

    Void run() {
        List<Task> tasks = new ArrayList<>();
        for (String sql : FlatSchema.indexes()) {
            tasks.add(new Task(tableOf(sql, " ON "), sql, false));
        }
        tasks.addAll(addNotValid());
        // The largest table first: its statements are the longest and, validations being one at a
        // time per table, its chain is the one that decides when the step ends.
        tasks.sort((a, b) -> Integer.compare(rank(a.table()), rank(b.table())));
        Schedule schedule = new Schedule(tasks);
        Workers.named("convert-index", Math.max(1, Math.min(ctx.spec.jobs(), tasks.size()))).run(w -> {
            try (Connection c = ctx.openFlat(); Statement st = c.createStatement()) {
                for (Task t; !w.stopped() && (t = schedule.next()) != null; ) {
                    try {
                        RunRecorder.current().begin(Span.Kind.DDL, t.sql().length() <= 100 ? t.sql()
                                : t.sql().substring(0, 100) + "...");
                        st.execute(t.sql());
                        RunRecorder.current().end(0, 0);
                    } finally {
                        schedule.finished(t);
                    }
                }
            } catch (SQLException e) {
                RunRecorder.current().failed();
                throw new FastcopyException(FastcopyException.FAILED, "flat indexes and keys failed: "
                        + ServerError.describe(e), e);
            }
            return null;
        });
        return null;
    }

    /** Adds the missing foreign keys NOT VALID; returns the validations still to run (also after a failed run). */
    private List<Task> addNotValid() {
        List<Task> validate = new ArrayList<>();
        try (Connection c = ctx.openFlat(); Statement st = c.createStatement()) {
            Map<String, Boolean> existing = new HashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT conname, convalidated FROM pg_constraint WHERE contype = 'f'"
                    + " AND connamespace = 'public'::regnamespace")) {
                while (rs.next()) {
                    existing.put(rs.getString(1), rs.getBoolean(2));
                }
            }
            for (Map.Entry<String, String> fk : FlatSchema.foreignKeys().entrySet()) {
                String table = tableOf(fk.getValue(), "ALTER TABLE ");
                Boolean valid = existing.get(fk.getKey());
                if (valid == null) {
                    st.execute(fk.getValue() + " NOT VALID");
                }
                if (!Boolean.TRUE.equals(valid)) {
                    validate.add(new Task(table, "ALTER TABLE " + table + " VALIDATE CONSTRAINT " + fk.getKey(), true));
                }
            }
        } catch (SQLException e) {
            throw new FastcopyException(FastcopyException.FAILED, "flat foreign keys failed: " + ServerError.describe(e), e);
        }
        return validate;
    }

    /** The table name after {@code marker} in one of FlatSchema's statements (plain names, no quoting needed). */
    private static String tableOf(String sql, String marker) {
        String rest = sql.substring(sql.indexOf(marker) + marker.length()).trim();
        String name = rest.split("[ (]", 2)[0];
        return name.replace("\"", "");
    }

    private static int rank(String table) {
        int i = List.of("test_run", "test_build", "mpi_install", "submit").indexOf(table);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    /**
     * Hands out statements in order, skipping those whose table lock conflicts with one running:
     * index builds of a table share it (SHARE), a validation needs it alone (SHARE UPDATE EXCLUSIVE
     * conflicts with SHARE and with itself). Waits when nothing can start until something ends.
     */
    static final class Schedule {
        private final List<Task> waiting;
        private final Map<String, Integer> building = new HashMap<>();
        private final Map<String, Boolean> validating = new HashMap<>();

        Schedule(List<Task> tasks) {
            this.waiting = new ArrayList<>(tasks);
        }

        /** The next statement that can run now, waiting for one if need be; null when none is left. */
        synchronized Task next() {
            while (!waiting.isEmpty()) {
                for (int i = 0; i < waiting.size(); i++) {
                    Task t = waiting.get(i);
                    if (canStart(t)) {
                        waiting.remove(i);
                        if (t.validate()) {
                            validating.put(t.table(), true);
                        } else {
                            building.merge(t.table(), 1, Integer::sum);
                        }
                        return t;
                    }
                }
                try {
                    wait(); // something runs (else a task could start): its end wakes us
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            return null;
        }

        synchronized void finished(Task t) {
            if (t.validate()) {
                validating.remove(t.table());
            } else {
                building.merge(t.table(), -1, Integer::sum);
            }
            notifyAll();
        }

        private boolean canStart(Task t) {
            boolean validatingIt = validating.containsKey(t.table());
            return t.validate() ? !validatingIt && building.getOrDefault(t.table(), 0) == 0 : !validatingIt;
        }
    }
}
