package org.fastcopy.report;

import org.fastcopy.cli.Main;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real copy's report opened in a real browser (Debian's headless Chromium): the page's script
 * finds every chart laid out with something in it, and a screenshot shows the workers' bars in
 * their colour. Skipped, saying why, where Chromium is not installed.
 */
@ExtendWith(ClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HtmlReportBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    /** The colour of a table COPY unit's bar (HtmlReport's CSS). */
    private static final int UNIT_RGB = 0x4e79a7;

    private final TestClusters clusters;
    private final Path work = Path.of("target", "html-report-browser-test").toAbsolutePath();
    private final Path report = work.resolve("copy.html");

    HtmlReportBrowserTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @BeforeAll
    void copyWithAReport() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM
                + ": the report is not checked in a browser (Debian: apt-get install chromium)");
        String db = HtmlReportTest.smallShop(clusters, "htmlbrowser");
        int code = Main.run("--src", HtmlReportTest.conninfo(clusters.flux1()), "--dst",
                HtmlReportTest.conninfo(clusters.flux2()), "--db", db, "--jobs", "2", "--split-larger-than", "512kB",
                "--workdir", work.toString(), "--report-html", report.toString());
        assertThat(code).isZero();
    }

    @Test
    void theBrowserLaysOutEveryChartWithItsBars() throws Exception {
        Document dom = Jsoup.parse(chromium("--dump-dom", report.toUri().toString()));

        assertThat(dom.body().attr("data-charts")).isEqualTo("4");
        assertThat(dom.body().attr("data-charts-drawn")).as("charts the page's script found drawn")
                .isEqualTo(dom.body().attr("data-charts"));
        assertThat(dom.select("#workers-chart rect.unit")).isNotEmpty();
    }

    @Test
    void aScreenshotShowsTheWorkersBars() throws Exception {
        Path png = work.resolve("screenshot.png");
        Files.deleteIfExists(png);

        chromium("--window-size=1150,1400", "--screenshot=" + png, report.toUri().toString());

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("a PNG at " + png).isNotNull();
        int unitPixels = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == UNIT_RGB) {
                    unitPixels++;
                }
            }
        }
        assertThat(unitPixels).as("pixels of table COPY unit bars").isGreaterThan(200);
    }

    /** Runs headless Chromium with its own profile under target/, and returns what it printed on stdout. */
    private String chromium(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--hide-scrollbars", "--user-data-dir=" + work.resolve("chromium-profile")));
        command.addAll(List.of(args));
        Path out = work.resolve("chromium.out");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(work.resolve("chromium.err").toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s: " + command);
        }
        assertThat(p.exitValue()).as("chromium's exit code; its stderr is in " + work.resolve("chromium.err")).isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
