package org.fastcopy.report;

import org.fastcopy.FastcopyException;
import org.fastcopy.cli.Main;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --report-html} on a real copy: the file names the copy's steps, its workers and the
 * tables they copied, the verify result and the throughput; it fetches nothing; and a copy that
 * fails still writes it, saying where and why.
 */
@ExtendWith(ClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HtmlReportTest {
    private final TestClusters clusters;
    private final Path work = Path.of("target", "html-report-test");
    private final Path report = work.resolve("copy.html");
    private String db;
    private int exitCode;

    HtmlReportTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    static String conninfo(LocalCluster c) {
        return "host=127.0.0.1 port=" + c.port() + " user=postgres passfile=" + c.passfile();
    }

    /** Two tables, one cut into chunks, a key between them: units on two workers and post-data DDL. */
    static String smallShop(TestClusters clusters, String name) throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), name);
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL)");
            st.execute("INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 2000) g");
            st.execute("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, "
                    + "amount numeric(10,2), note text)");
            st.execute("INSERT INTO orders SELECT g, 1 + g % 2000, g % 997, repeat('x', 40) FROM generate_series(1, 40000) g");
            st.execute("CREATE INDEX orders_customer ON orders (customer_id)");
            st.execute("ANALYZE");
        }
        return src.database();
    }

    @BeforeAll
    void copyWithAReport() throws Exception {
        db = smallShop(clusters, "htmlreport");
        exitCode = Main.run("--src", conninfo(clusters.flux1()), "--dst", conninfo(clusters.flux2()), "--db", db,
                "--jobs", "2", "--split-larger-than", "512kB", "--verify", "checksums",
                "--workdir", work.toString(), "--report-html", report.toString());
    }

    private Document page(Path file) throws Exception {
        return Jsoup.parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    @Test
    void theReportOfACopyNamesItsStepsTablesWorkersAndVerifyResult() throws Exception {
        assertThat(exitCode).isZero();
        Document page = page(report);

        assertThat(page.title()).startsWith("fastcopy --src").contains("--db " + db).doesNotContain("password");
        assertThat(page.getElementById("outcome").classNames()).contains("ok");
        assertThat(page.select("#steps-table td:eq(1)").eachText()).contains("STEP 1 snapshot", "STEP 2 plan",
                "STEP 3 schema dump", "STEP 5 pre-data", "STEP 6 data and post-data", "STEP 11 verify", "STEP 12 finish");
        assertThat(page.select("#steps-table td:eq(0)").eachText()).containsOnly("copy " + db);

        List<String> lanes = page.select("#workers-chart text.lane-name").eachText();
        // Which worker of a pool takes which unit or batch is up to the threads: the pools are what is certain.
        assertThat(lanes).anyMatch(l -> l.matches("copy-worker-[12]")).anyMatch(l -> l.matches("fastcopy-pre-data-[12]"))
                .anyMatch(l -> l.matches("fastcopy-post-data-[12]")).hasSizeLessThanOrEqualTo(6);
        List<String> bars = page.select("#workers-chart rect.unit title").eachText();
        assertThat(bars).anyMatch(t -> t.startsWith("public.customers")).anyMatch(t -> t.startsWith("public.orders"));
        assertThat(bars.stream().filter(t -> t.startsWith("public.orders"))).as("orders in chunks").hasSizeGreaterThan(1);
        assertThat(page.select("#workers-chart rect.ddl title").eachText())
                // Small tables' indexes and keys share a batch, labelled by its first item ("... and 1 more items").
                .anyMatch(t -> t.startsWith("post-data: ") && t.contains("\"orders "))
                .anyMatch(t -> t.startsWith("pre-data: TABLE"));

        Element verify = page.selectFirst("#verify-table tr:eq(1)");
        assertThat(verify.select("td").eachText()).startsWith("copy " + db, "equal", "checksums: 2 tables, 42,000 rows");

        long rowsByWorkers = page.select("#lanes-table tr:gt(0)").stream()
                .filter(tr -> tr.child(1).text().equals(Span.Kind.UNIT.title))
                .mapToLong(tr -> Long.parseLong(tr.child(5).text().replace(",", ""))).sum();
        assertThat(rowsByWorkers).isEqualTo(42_000);
        assertThat(page.select("#rows-chart path.series")).hasSize(1);
        assertThat(page.body().attr("data-charts")).isEqualTo("4");
    }

    @Test
    void theReportIsOneFileThatFetchesNothing() throws Exception {
        Document page = page(report);

        assertThat(page.select("script[src], link[href], img[src], iframe, object, embed")).isEmpty();
        assertThat(Files.readString(report)).doesNotContainPattern("(?i)(src|href)\\s*=\\s*[\"']?(https?:)?//")
                .doesNotContain("url(").doesNotContain("@import");
    }

    @Test
    void aCopyThatFailsStillWritesTheReportSayingWhereAndWhy() throws Exception {
        Path failed = work.resolve("failed.html");
        Files.deleteIfExists(failed);

        // The target now holds the database: without --drop-if-exists the plan step refuses it.
        int code = Main.run("--src", conninfo(clusters.flux1()), "--dst", conninfo(clusters.flux2()), "--db", db,
                "--workdir", work.toString(), "--report-html", failed.toString());

        assertThat(code).isEqualTo(FastcopyException.USAGE);
        Document page = page(failed);
        assertThat(page.getElementById("outcome").classNames()).contains("failed");
        assertThat(page.getElementById("outcome").text()).startsWith("FAILED in STEP 2 plan (copy " + db + ")")
                .contains("already exists and is not empty");
        assertThat(page.select("#steps-table tr.failed td:eq(1)").eachText()).containsExactly("STEP 2 plan");
        assertThat(page.getElementById("verify-none").text()).contains("the run failed before it");
    }

    @Test
    void aReportThatCannotBeWrittenIsRefusedBeforeAnythingConnects() throws Exception {
        Path notADirectory = work.resolve("plain-file");
        Files.createDirectories(work);
        Files.writeString(notADirectory, "x");

        int code = Main.run("--src", "host=127.0.0.1 port=1 user=x", "--dst", "host=127.0.0.1 port=2 user=x",
                "--db", "nothing", "--report-html", notADirectory.resolve("r.html").toString());

        assertThat(code).isEqualTo(FastcopyException.USAGE);
        assertThat(Files.exists(notADirectory.resolve("r.html"))).isFalse();
        assertThat(Files.readString(notADirectory)).isEqualTo("x");
    }
}
