package org.fastcopy.manual;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manual as the build writes it (prepare-package; the .deb and tarball carry it): a page for
 * every command of both programs holding every visible option, troff that groff formats without a
 * warning even when the model's text looks like troff requests, and completion scripts for both
 * shells. PackageInstallIT checks the installed copies.
 */
class ManualTest {
    @Test
    void everyCommandOfBothProgramsHasAPageListingEveryVisibleOption() {
        Map<String, String> pages = Manual.pages("1.2.3");
        assertThat(pages.keySet()).containsExactly("fastcopy", "fastcopy-generate", "fastcopy-verify", "fastcopy-demo",
                "fastcopy-cluster", "fastcopy-cluster-start", "fastcopy-cluster-stop", "fastcopy-cluster-status",
                "fastcopy-convert", "fastcopy-migrate", "fastcopy-delay-proxy", "fastcopy-cutover", "fastcopy-follow",
                "convert");
        assertThat(Manual.pageNames()).containsExactlyElementsOf(pages.keySet());
        for (CommandLine root : Manual.roots()) {
            for (CommandSpec spec : Manual.tree(root.getCommandSpec())) {
                String page = pages.get(ManPage.name(spec));
                assertThat(page).as(ManPage.name(spec)).startsWith(".TH \"" + Roff.text(ManPage.name(spec).toUpperCase()) + "\" \"1\"")
                        .contains("fastcopy 1.2.3");
                for (OptionSpec option : spec.options()) {
                    if (!option.hidden()) {
                        assertThat(page).as(ManPage.name(spec) + " documents " + option.longestName())
                                .contains(Roff.bold(option.longestName()));
                    }
                }
            }
        }
        assertThat(pages.get("fastcopy")).contains("\\fBfastcopy\\-migrate\\fR(1)").contains(".SH \"EXAMPLES\"");
        assertThat(pages.get("fastcopy-cluster-start")).contains("\\fBfastcopy\\-cluster\\fR(1)");
    }

    @Command(name = "tricky", showDefaultValues = true, description = {".so /etc/passwd is text here, and so is 'quoted. Also C:\\temp.%n.ce 3 after a line break, and 100%%."},
            footer = {"", "Examples:", "  tricky --path .hidden", "", "Exit codes: 0 ok."})
    static final class Tricky {
        @Option(names = "--path", paramLabel = "DIR", defaultValue = ".", description = "A \\ backslash, a ${COMPLETION-CANDIDATES}.")
        String path;

        @Option(names = "--mode", description = "One of ${COMPLETION-CANDIDATES}.")
        Mode mode;

        enum Mode { FAST, SAFE }
    }

    @Test
    void textThatLooksLikeTroffIsPrintedAsTextWithoutWarnings() throws Exception {
        String page = new ManPage(new CommandLine(new Tricky()).getCommandSpec(), "1.2.3").render();
        String text = groff(page);
        assertThat(text).contains(".so /etc/passwd is text here, and so is 'quoted. Also C:\\temp.")
                .contains(".ce 3 after a line break, and 100%.")
                .contains("tricky --path .hidden").contains("Exit codes: 0 ok.")
                .contains("One of FAST, SAFE.").contains("Default: .")
                // ASCII hyphens, not U+2010: an option copied from the page must work in a shell.
                .contains("--path=DIR").doesNotContain("\u2010");
    }

    @Test
    void bothShellsGetACompletionScriptThatCompletesSubcommands(@TempDir Path dir) throws Exception {
        Manual.write(dir, "1.2.3");
        String zsh = Files.readString(dir.resolve("completion/_fastcopy"));
        assertThat(zsh).startsWith("#compdef fastcopy\n").endsWith("_bash_complete -o default -F _complete_fastcopy\n");
        assertThat(Files.readString(dir.resolve("completion/_convert"))).startsWith("#compdef convert\n");
        String session = "source \"$1\" && COMP_WORDS=(fastcopy cluster sta) COMP_CWORD=2"
                + " && _complete_fastcopy fastcopy sta cluster 2>/dev/null; echo \"words: ${COMPREPLY[*]}\"";
        Process bash = new ProcessBuilder("bash", "-c", session, "bash", dir.resolve("completion/fastcopy.bash").toString())
                .redirectErrorStream(true).start();
        String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(out).contains("words: start status");
        try (var pages = Files.list(dir.resolve("man/man1"))) {
            assertThat(pages.map(p -> p.getFileName().toString().replaceFirst("\\.1$", "")).sorted().toList())
                    .containsExactlyElementsOf(Manual.pageNames().stream().sorted().toList());
        }
    }

    /** The page formatted by groff as man would (-Tutf8); any warning (-ww) fails the test. */
    private static String groff(String page) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("groff", "-man", "-Tutf8", "-ww", "-P-c", "-P-b", "-P-u")
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().write(page.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(err).as("groff warnings").isEmpty();
        assertThat(p.exitValue()).isZero();
        return out;
    }

}
