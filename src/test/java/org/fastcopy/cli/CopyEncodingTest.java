package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.copy.CopyJob;
import org.fastcopy.copy.CopyReport;
import org.fastcopy.copy.CopySpec;
import org.fastcopy.data.EncodingErrors;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.verify.VerifyMode;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.util.Sql.ident;

/**
 * Source and target in different encodings. A LATIN1 source is converted by its own server and
 * copies exact. A SQL_ASCII source holds whatever bytes its clients sent (production MTT holds
 * Latin-1 accents among UTF-8): rows that are not valid UTF-8 follow --encoding-errors. The
 * target is made beforehand as a UTF8 database, as `createdb` would (fastcopy accepts an empty
 * one), since a target fastcopy creates itself takes the source's encoding.
 */
@ExtendWith(ClusterExtension.class)
class CopyEncodingTest {
    /** Rows of {@code notes}, of which {@link #BAD} hold a Latin-1 byte. */
    private static final int ROWS = 100;
    private static final int BAD = 3;

    private final TestClusters clusters;
    private final Path work = Path.of("target", "cli-encoding-work");

    CopyEncodingTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    private static String conninfo(LocalCluster c) {
        return "host=127.0.0.1 port=" + c.port() + " user=postgres passfile=" + c.passfile();
    }

    private String[] copy(String db, String... more) {
        List<String> args = new ArrayList<>(List.of("--src", conninfo(clusters.flux1()), "--dst", conninfo(clusters.flux2()),
                "--db", db, "--jobs", "2", "--workdir", work.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private void createDatabase(LocalCluster cluster, String db, String encoding) throws SQLException {
        try (Connection c = clusters.connect(cluster, "postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + ident(db) + " TEMPLATE template0 ENCODING '" + encoding
                    + "' LC_COLLATE 'C' LC_CTYPE 'C'");
        }
    }

    /** A SQL_ASCII source with {@link #BAD} Latin-1 rows in {@code notes}, and an empty UTF8 target. */
    private String sqlAsciiSourceWithLatin1Bytes(String prefix) throws SQLException {
        String db = clusters.newDatabaseName(prefix);
        createDatabase(clusters.flux1(), db, "SQL_ASCII");
        createDatabase(clusters.flux2(), db, "UTF8");
        try (Connection c = clusters.connect(clusters.flux1(), db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)");
            // JDBC sends UTF-8, which SQL_ASCII stores as is: valid multibyte text next to bad rows.
            st.execute("INSERT INTO notes SELECT g, 'note ' || g || ' 東京 ü' FROM generate_series(1, " + ROWS + ") g");
            // convert_from(..., 'SQL_ASCII') checks nothing, so the raw byte 0xE9 (Latin-1 é) goes in.
            st.execute("UPDATE notes SET body = 'caf' || convert_from('\\xe9'::bytea, 'SQL_ASCII') || ' ' || id"
                    + " WHERE id IN (7, 42, 99)");
            st.execute("CREATE TABLE clean (id int PRIMARY KEY, v text)");
            st.execute("INSERT INTO clean SELECT g, 'ascii ' || g FROM generate_series(1, 50) g");
        }
        return db;
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void invalidBytesFailInOneLineNamingTheTableAndCountThenResumeWithReplaceCopiesEveryRow() throws Exception {
        String db = sqlAsciiSourceWithLatin1Bytes("enc_fail");

        CliRun failed = CliRun.of(copy(db, "--verify", "checksums"));

        assertThat(failed.exitCode()).as(failed.err()).isEqualTo(FastcopyException.FAILED);
        assertThat(failed.errLines()).containsExactly("fastcopy: public.notes: " + BAD + " of " + ROWS
                + " rows hold bytes that are not valid UTF8 (a SQL_ASCII source): nothing of this table was committed; "
                + "rerun with --resume and --encoding-errors replace or skip to copy them anyway");
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            assertThat(count(dst, "SELECT count(*) FROM notes")).isZero();
            assertThat(count(dst, "SELECT count(*) FROM _fastcopy.unit WHERE key LIKE '%notes%'")).isZero();
        }

        CliRun resumed = CliRun.of(copy(db, "--resume", "--encoding-errors", "replace", "--verify", "checksums"));

        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("rows not valid UTF8 (--encoding-errors replace): 3")
                .contains("public.notes: replaced invalid bytes by U+FFFD in 3 rows")
                .contains("differs on purpose: public.notes (same 100 rows, different checksum)");
        assertThat(Files.readString(work.resolve("report-" + db + ".json")))
                .contains("\"policy\": \"replace\"").contains("\"public.notes\": 3");
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            assertThat(count(dst, "SELECT count(*) FROM notes")).isEqualTo(ROWS);
            assertThat(count(dst, "SELECT count(*) FROM notes WHERE body = 'caf' || U&'\\FFFD' || ' ' || id")).isEqualTo(BAD);
            assertThat(count(dst, "SELECT count(*) FROM notes WHERE body = 'note ' || id || ' 東京 ü'")).isEqualTo(ROWS - BAD);
            assertThat(count(dst, "SELECT count(*) FROM pg_database WHERE datname = current_database()"
                    + " AND pg_encoding_to_char(encoding) = 'UTF8'")).isEqualTo(1);
        }
    }

    @Test
    void skipLeavesTheInvalidRowsOutCountsThemAndVerifyExplainsTheShortTable() throws Exception {
        String db = sqlAsciiSourceWithLatin1Bytes("enc_skip");

        CliRun run = CliRun.of(copy(db, "--encoding-errors", "skip", "--verify", "counts"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("public.notes: left out 3 rows")
                .contains("differs on purpose: public.notes (rows: source 100, target 97)")
                .contains("verify (counts): 2 tables, 150 rows, all equal");
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            assertThat(count(dst, "SELECT count(*) FROM notes")).isEqualTo(ROWS - BAD);
            assertThat(count(dst, "SELECT count(*) FROM notes WHERE id IN (7, 42, 99)")).isZero();
            assertThat(count(dst, "SELECT count(*) FROM clean")).isEqualTo(50);
        }
    }

    @Test
    void aResumedRunStillCountsAndExplainsTheRowsAnEarlierRunReplaced() throws Exception {
        String db = sqlAsciiSourceWithLatin1Bytes("enc_resume");
        CopySpec first = new CopySpec(clusters.flux1().endpoint(db), clusters.flux2().endpoint(db), List.of(db), 1, 1,
                1L << 30, false, false, VerifyMode.CHECKSUMS, false, work, 64, 64 * 1024, false)
                .withEncodingErrors(EncodingErrors.REPLACE);
        CopyJob.Listener crashAfterNotes = new CopyJob.Listener() {
            @Override
            public void unitCommitted(String database, PlannedUnit unit) {
                if (unit.key().contains("notes")) {
                    throw new FastcopyException(FastcopyException.FAILED, "simulated crash after notes");
                }
            }
        };
        assertThatThrownBy(() -> new CopyJob(first, clusters.flux1().connections(), crashAfterNotes).run())
                .hasMessageContaining("simulated crash");

        CopySpec resume = new CopySpec(first.source(), first.target(), first.databases(), 1, 1, 1L << 30, false, true,
                VerifyMode.CHECKSUMS, false, work, 64, 64 * 1024, false).withEncodingErrors(EncodingErrors.REPLACE);
        CopyReport report = new CopyJob(resume, clusters.flux1().connections()).run().get(0);

        assertThat(report.resumed()).isTrue();
        assertThat(report.invalidRows()).containsExactly(Map.entry("public.notes", (long) BAD));
        assertThat(report.verify().ok()).isTrue();
        assertThat(report.verify().explained()).singleElement().asString().startsWith("public.notes (same 100 rows, different checksum)");
    }

    @Test
    void aLatin1SourceCopiesIntoAUtf8TargetExactAndChecksumsAgree() throws Exception {
        String db = clusters.newDatabaseName("enc_latin1");
        createDatabase(clusters.flux1(), db, "LATIN1");
        createDatabase(clusters.flux2(), db, "UTF8");
        try (Connection c = clusters.connect(clusters.flux1(), db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE people (id int PRIMARY KEY, name text)");
            st.execute("INSERT INTO people VALUES (1, 'Müller'), (2, 'café'), (3, 'Ærø ß ¿'), (4, 'plain')");
        }

        CliRun run = CliRun.of(copy(db, "--verify", "checksums"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("verify (checksums): 1 tables, 4 rows, all equal").doesNotContain("not valid UTF8");
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            assertThat(count(dst, "SELECT count(*) FROM people WHERE name IN ('Müller', 'café', 'Ærø ß ¿', 'plain')")).isEqualTo(4);
            assertThat(count(dst, "SELECT octet_length(name) FROM people WHERE id = 1")).isEqualTo(7); // ü is 2 bytes in UTF8
        }
    }
}
