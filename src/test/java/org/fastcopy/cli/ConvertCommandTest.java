package org.fastcopy.cli;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fastcopy convert} and {@code bin/convert} as a user runs them: the per-range table and the
 * verify summary on stdout, the JSON report in --workdir, exit 5 naming the row that differs, and
 * bad options refused in one line with exit 2 before anything connects.
 */
@ExtendWith(ClusterExtension.class)
class ConvertCommandTest {
    private final TestClusters clusters;
    private final Path work = Path.of("target", "cli-convert-work");

    ConvertCommandTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    private static String conninfo(LocalCluster c) {
        return "host=127.0.0.1 port=" + c.port() + " user=postgres passfile=" + c.passfile();
    }

    @Test
    void convertWithVerifyPrintsTheRangeTableAndVerifyOnlyExitsFiveNamingTheCorruptedRow() throws Exception {
        String v3 = clusters.mttV3();
        String flat = clusters.newDatabaseName("cliflat");
        String src = conninfo(clusters.flux1());

        Path converted = work.resolve("convert.html");
        CliRun run = CliRun.of("convert", "--src", src, "--db", v3, "--flat-db", flat, "--jobs", "2", "--verify",
                "--sample", "30", "--workdir", work.toString(), "--report-html", converted.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("part").contains("elapsed").contains("base:test_build").contains("test_run:")
                .contains("id maps:").contains("verify (a sample of 30 rows per range and table, seed 1)")
                .contains("counts equal").contains("all equal").contains("test_run.test_build_id");
        assertThat(Files.readString(work.resolve("convert-" + flat + ".json"))).contains("\"verify\"")
                .contains("\"rows_compared\"").contains("\"example_v3_ids\"");
        assertThat(Files.readString(converted)).as("the HTML report").contains("<title>fastcopy convert --src ")
                .contains("class=\"outcome ok\"", "STEP 4 ranges",
                ">convert-worker-", ">convert-index-", "<title>test_build: ", "<title>test_run ",
                "<td class=\"good\">equal</td>");

        long victim;
        try (Connection c = clusters.connect(clusters.flux1(), flat); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT old_mpi_install_id FROM mpi_install WHERE mpi_install_id <> 0 "
                    + "ORDER BY mpi_install_id LIMIT 1")) {
                rs.next();
                victim = rs.getLong(1);
            }
            st.execute("UPDATE mpi_install SET os_version = 'edited' WHERE old_mpi_install_id = " + victim);
        }
        Path report = work.resolve("verify-only.html");
        CliRun check = CliRun.of("convert", "--src", src, "--db", v3, "--flat-db", flat, "--verify-only", "--full",
                "--workdir", work.toString(), "--report-html", report.toString());

        assertThat(check.exitCode()).as(check.out() + check.err()).isEqualTo(5);
        assertThat(check.out()).contains("differs: mpi_install v3 mpi_install_id " + victim);
        assertThat(check.errLines()).hasSize(1);
        assertThat(check.err()).startsWith("fastcopy: verify: 1 difference(s), first: mpi_install v3 mpi_install_id "
                + victim).contains("os_version: v3 '").contains("flat 'edited'");
        String html = Files.readString(report);
        assertThat(html).as("the HTML report of the failed verify").contains("class=\"outcome failed\"", "STEP 7 verify",
                "<td class=\"bad\">DIFFERENT</td>", "mpi_install v3 mpi_install_id " + victim);
    }

    @Test
    void aRangesValueThatIsNotADateIsRefusedInOneLineNamingIt() {
        CliRun run = CliRun.of("convert", "--src", "host=127.0.0.1 port=1 user=x", "--ranges", "2012-01-01,2012-13-01");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).startsWith("fastcopy: --ranges: '2012-13-01' is not a date");
    }

    @Test
    void cutPointsThatDoNotIncreaseAreRefusedInOneLineNamingTheFirstBadOne() {
        for (String ranges : new String[]{"2013-01-01,2012-06-01", "2012-01-01,2012-01-01"}) {
            CliRun run = CliRun.of("convert", "--src", "host=127.0.0.1 port=1 user=x", "--ranges", ranges);
            assertThat(run.exitCode()).as(ranges).isEqualTo(2);
            assertThat(run.errLines()).as(ranges).hasSize(1);
            assertThat(run.err()).as(ranges).contains("'" + ranges.substring(11) + "' is not after the cut point before it");
        }
    }

    @Test
    void fullWithoutVerifyAndVerifyOnlyWithIncrementalAreRefused() {
        CliRun full = CliRun.of("convert", "--src", "host=127.0.0.1 port=1 user=x", "--full");
        assertThat(full.exitCode()).isEqualTo(2);
        assertThat(full.err().strip()).isEqualTo("fastcopy: --full needs --verify or --verify-only");
        CliRun both = CliRun.of("convert", "--src", "host=127.0.0.1 port=1 user=x", "--verify-only", "--incremental");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err().strip()).isEqualTo("fastcopy: --verify-only converts nothing: drop --incremental");
    }

    @Test
    void binConvertIsTheConvertCommandItselfWithTheSameErrorContract() {
        String before = System.getProperty("fastcopy.program");
        System.setProperty("fastcopy.program", "convert");
        try {
            CliRun run = CliRun.of("--src", "host=127.0.0.1 port=1 user=x", "--ranges", "yesterday");
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.errLines()).hasSize(1);
            assertThat(run.err()).startsWith("convert: --ranges: 'yesterday' is not a date");
            CliRun help = CliRun.of("--help");
            assertThat(help.exitCode()).isZero();
            assertThat(help.out()).contains("Usage: convert").contains("--verify-only").contains("--full")
                    .contains("Exit codes: 0 ok, 2 usage");
        } finally {
            if (before == null) {
                System.clearProperty("fastcopy.program");
            } else {
                System.setProperty("fastcopy.program", before);
            }
        }
    }
}
