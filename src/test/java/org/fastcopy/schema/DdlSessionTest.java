package org.fastcopy.schema;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.schema.Entries.entry;

/** One target session: batches, session settings, failures, retries. */
@ExtendWith(ClusterExtension.class)
class DdlSessionTest {

    private static DdlSession session(TestClusters clusters, Endpoint db) {
        return DdlSession.open(clusters.flux2().connections(), db, "fastcopy-test-ddl", "pre-data", StepMarks.NONE, "");
    }

    private static List<String> tables(TestClusters clusters, Endpoint db) throws SQLException {
        try (Connection c = clusters.connect(clusters.flux2(), db.database()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relkind = 'r'"
                     + " AND relnamespace = 'public'::regnamespace")) {
            rs.next();
            return rs.getString(1) == null ? List.of() : List.of(rs.getString(1).split(","));
        }
    }

    @Test
    void aFailedBatchIsRolledBackAndTheErrorNamesTheItemThatCausedIt(TestClusters clusters) throws Exception {
        Endpoint db = clusters.createDatabase(clusters.flux2(), "ddl");
        try (DdlSession s = session(clusters, db)) {
            // had the batch's first round not been one transaction, rerunning "a" would fail instead
            assertThatThrownBy(() -> s.run(List.of(
                    entry(1, "TABLE", "a", "CREATE TABLE public.a (id int);"),
                    entry(2, "TABLE", "b", "CREATE TABLE public.b (id int);"),
                    entry(3, "TABLE", "a again", "CREATE TABLE public.a (id int);"),
                    entry(4, "TABLE", "c", "CREATE TABLE public.c (id int);"))))
                    .isInstanceOf(FastcopyException.class)
                    .hasMessage("pre-data: TABLE \"a again\" in schema public failed: relation \"a\" already exists (SQLSTATE 42P07)")
                    .cause().isInstanceOf(SQLException.class);
        }
        assertThat(tables(clusters, db)).containsExactly("a", "b");
    }

    @Test
    void runsSqlStandardBodiesWhoseSemicolonsAreInsideBeginAtomic(TestClusters clusters) throws Exception {
        Endpoint db = clusters.createDatabase(clusters.flux2(), "ddl");
        // as pg_dump 15 prints them: the body's statements each end in ';' before the closing END
        String function = """
                CREATE FUNCTION public.two() RETURNS integer
                    LANGUAGE sql
                    BEGIN ATOMIC
                 SELECT 1;
                 SELECT 2;
                END;


                ALTER FUNCTION public.two() OWNER TO postgres;""";
        String procedure = """
                CREATE PROCEDURE public.log_two()
                    LANGUAGE sql
                    BEGIN ATOMIC
                 INSERT INTO public.log (v)  VALUES (public.two());
                 INSERT INTO public.log (v)  VALUES (public.two() + 1);
                END;


                ALTER PROCEDURE public.log_two() OWNER TO postgres;""";
        try (DdlSession s = session(clusters, db)) {
            s.run(List.of(
                    entry(1, "TABLE", "log", "CREATE TABLE public.log (v int);"),
                    entry(2, "FUNCTION", "two()", function),
                    entry(3, "PROCEDURE", "log_two()", procedure),
                    entry(4, "VIEW", "v", "CREATE VIEW public.v AS SELECT public.two() AS two;")));
            // one item alone runs the same way as in a batch
            s.run(List.of(entry(5, "FUNCTION", "three()", function.replace("two", "three"))));
        }
        try (Connection c = clusters.connect(clusters.flux2(), db.database()); Statement st = c.createStatement()) {
            st.execute("CALL public.log_two()");
            try (ResultSet rs = st.executeQuery("SELECT string_agg(v::text, ',' ORDER BY v) FROM public.log")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("2,3");
            }
        }
    }

    @Test
    void runsEachItemUnderItsSessionSettingsButLeavesClientEncodingToTheDriver(TestClusters clusters) throws Exception {
        Endpoint db = clusters.createDatabase(clusters.flux2(), "ddl");
        SessionSettings dump = SessionSettings.EMPTY
                .with("client_encoding", "SET client_encoding = 'LATIN1';")
                .with("search_path", "SELECT pg_catalog.set_config('search_path', '', false);");
        SessionSettings publicPath = dump.with("search_path", "SET search_path = public;");
        try (DdlSession s = session(clusters, db)) {
            // pg_dump's items are schema-qualified because its search_path is empty
            assertThatThrownBy(() -> s.run(List.of(new TocEntry(1, 0, 0, List.of(), "u", "TABLE", "public", null,
                    "CREATE TABLE unqualified (id int);", dump))))
                    .hasMessageEndingWith("(SQLSTATE 3F000)");
            s.run(List.of(new TocEntry(2, 0, 0, List.of(), "u", "TABLE", "public", null,
                    "CREATE TABLE unqualified (label text DEFAULT 'åäö');", publicPath)));
        }
        assertThat(tables(clusters, db)).containsExactly("unqualified");
    }

    @Test
    void aLockTimeoutIsRetriedRatherThanFatal(TestClusters clusters) throws Exception {
        Endpoint db = clusters.createDatabase(clusters.flux2(), "ddl");
        try (Connection holder = clusters.connect(clusters.flux2(), db.database()); Statement st = holder.createStatement();
             Connection watcher = clusters.connect(clusters.flux2(), db.database())) {
            st.execute("CREATE TABLE busy (id int)");
            holder.setAutoCommit(false);
            st.execute("LOCK TABLE busy IN ACCESS EXCLUSIVE MODE");
            SessionSettings impatient = SessionSettings.EMPTY.with("lock_timeout", "SET lock_timeout = '100ms';");
            try (DdlSession s = session(clusters, db)) {
                CompletableFuture<Void> ddl = CompletableFuture.runAsync(() -> {
                    try {
                        s.run(List.of(new TocEntry(1, 0, 0, List.of(), "busy id", "DEFAULT", "public", null,
                                "ALTER TABLE ONLY public.busy ALTER COLUMN id SET DEFAULT 0;", impatient)));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                // The lock is released only once the session has started its statement a second
                // time, i.e. after a lock timeout was retried: no guess about how long that takes.
                awaitSecondAttempt(watcher);
                holder.rollback();
                ddl.join();
                assertThat(s.retries()).isPositive();
            }
        }
    }

    /** Polls the DDL session's query_start until it changes while it waits on the lock. */
    private static void awaitSecondAttempt(Connection watcher) throws Exception {
        String sql = "SELECT query_start FROM pg_stat_activity WHERE application_name = 'fastcopy-test-ddl'"
                + " AND query LIKE 'ALTER TABLE ONLY public.busy%'";
        java.sql.Timestamp first = null;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (Statement st = watcher.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                if (rs.next()) {
                    java.sql.Timestamp now = rs.getTimestamp(1);
                    if (first == null) {
                        first = now;
                    } else if (!now.equals(first)) {
                        return;
                    }
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("the DDL session never retried its statement within 30 s");
    }
}
