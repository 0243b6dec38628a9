package org.fastcopy.docs;

import org.fastcopy.cli.ConvertCommand;
import org.fastcopy.cli.FastcopyCommand;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The README and docs/ are held to the code: every command line in their fenced shell blocks is run
 * by a test or a bench script, or at least parsed by the application's own picocli model, so an
 * option renamed in the code cannot stay in the docs. The README stays a front door: small, opening
 * with the two commands CI runs, linking every page. No server is needed: nothing here connects.
 */
class DocCommandsTest {
    /** Surefire runs the tests in the project's base directory. */
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path README = ROOT.resolve("README.md");
    private static final List<String> README_COMMANDS = List.of(
            "mvn -B -q -DskipTests package && bin/fastcopy demo",
            "mvn -B test");
    private static final Set<String> SHELL_BLOCKS = Set.of("sh", "bash", "console");
    private static final Pattern FENCE = Pattern.compile("^```(.*)$");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern ENV_ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*");

    /**
     * Commands that are neither fastcopy's nor a bench script, each with the file that runs it and the
     * text that shows it does: the soak reads the documented system properties, and ClusterCommandTest
     * does what the psql line does (resolve the service through the files cluster start wrote); the
     * package install is resolved by apt, simulated, in the integration test that installs the package.
     */
    private static final Map<String, Runner> RUN_ELSEWHERE = Map.of(
            "mvn -B test",
            new Runner(".ci/run", "mvn -B test"),
            "mvn -B -q -DskipTests package",
            new Runner("bench/copy", "mvn -B -q -DskipTests package"),
            "mvn -B test -Dtest=KillResumeSoak -Dfastcopy.soak.cycles=20 -Dfastcopy.soak.seed=42",
            new Runner("src/test/java/org/fastcopy/copy/KillResumeSoak.java", "fastcopy.soak.cycles", "fastcopy.soak.seed"),
            "PGSERVICEFILE=/tmp/fc/pg_service.conf PGPASSFILE=/tmp/fc/pgpass psql service=flux1",
            new Runner("src/test/java/org/fastcopy/cli/ClusterCommandTest.java", "queryAsPsqlWould", "PGSERVICEFILE", "PGPASSFILE"),
            "mvn -B test -Dtest=VersionMatrixTest -Dfastcopy.versions=all",
            new Runner("src/test/java/org/fastcopy/testing/PgVersions.java", "System.getProperty(\"fastcopy.versions\""),
            "sudo apt-get install ./target/fastcopy_*_all.deb",
            new Runner("src/test/java/org/fastcopy/dist/PackageInstallIT.java", "\"apt-get\", \"install\", \"--simulate\", DEB"));

    record Runner(String file, String... evidence) {
    }

    /** One command of a doc page: its file, the line it starts on, and its words as the shell splits them. */
    record DocCommand(Path page, int line, List<String> words) {
        String where() {
            return ROOT.relativize(page) + ":" + line;
        }

        String text() {
            return String.join(" ", words);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCommandInTheDocsIsRunOrParsedByTheApplication() {
        List<DocCommand> commands = commands();
        assertThat(commands).as("commands found in README.md and docs/*.md").hasSizeGreaterThan(40);
        return commands.stream().map(c -> DynamicTest.dynamicTest(c.where() + " " + c.text(), () -> check(c)));
    }

    private static void check(DocCommand c) {
        List<String> words = c.words();
        int program = 0;
        while (program < words.size() - 1 && ENV_ASSIGNMENT.matcher(words.get(program)).matches()) {
            program++;
        }
        String name = words.get(program);
        String[] args = words.subList(program + 1, words.size()).toArray(String[]::new);
        switch (name) {
            case "fastcopy", "bin/fastcopy" -> parses(c, new FastcopyCommand(), args);
            case "convert", "bin/convert" -> parses(c, new ConvertCommand(), args);
            default -> {
                if (name.startsWith("bench/") || name.startsWith(".ci/")) {
                    scriptAccepts(c, name, args);
                } else {
                    runElsewhere(c);
                }
            }
        }
    }

    /** The way cli/Main builds its command line, minus the handlers that only matter when it executes. */
    private static void parses(DocCommand c, Object root, String[] args) {
        CommandLine cl = new CommandLine(root);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        try {
            cl.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            fail(c.where() + ": `" + c.text() + "` is refused by " + e.getCommandLine().getCommandSpec().qualifiedName()
                    + ": " + e.getMessage());
        }
    }

    /**
     * A repository script: it exists, runs, and has a case branch for each long option given to it
     * (bench/jmh hands its arguments to JMH as they are, so only long options are checked).
     */
    private static void scriptAccepts(DocCommand c, String script, String[] args) {
        Path file = ROOT.resolve(script);
        assertThat(Files.isExecutable(file)).as(c.where() + ": script " + script + " exists and is executable").isTrue();
        String text = read(file);
        for (String arg : args) {
            if (!arg.startsWith("--")) {
                continue;
            }
            String option = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            Pattern branch = Pattern.compile("(?m)(^|[\\s|(])" + Pattern.quote(option) + "(\\)|\\||=\\*\\))");
            assertThat(branch.matcher(text).find())
                    .as(c.where() + ": " + script + " has a case branch for " + option)
                    .isTrue();
        }
    }

    private static void runElsewhere(DocCommand c) {
        Runner runner = RUN_ELSEWHERE.get(c.text());
        if (runner == null) {
            fail(c.where() + ": `" + c.text() + "` is neither fastcopy's nor a bench script: add it to RUN_ELSEWHERE"
                    + " with the test or script that runs it, or take it out of the fenced block");
        }
        String text = read(ROOT.resolve(runner.file()));
        for (String evidence : runner.evidence()) {
            assertThat(text).as(c.where() + ": " + runner.file() + " runs `" + c.text() + "`").contains(evidence);
        }
    }

    @Test
    void readmeIsAFrontDoorUnder15000Bytes() throws IOException {
        assertThat(Files.size(README)).isLessThan(15_000);
    }

    @Test
    void readmeOpensWithExactlyTheTwoCommandsAfterTitleAndIntro() {
        List<String> lines = read(README).lines().toList();
        assertThat(lines.get(0)).startsWith("# ");
        int fence = 1;
        while (!lines.get(fence).startsWith("```")) {
            assertThat(lines.get(fence)).as("README.md:" + (fence + 1) + " comes before the two commands").doesNotStartWith("#");
            fence++;
        }
        assertThat(lines.get(fence)).isEqualTo("```sh");
        List<String> block = new ArrayList<>();
        for (int i = fence + 1; !lines.get(i).startsWith("```"); i++) {
            block.add(ShellWords.uncommented(lines.get(i)).strip());
        }
        assertThat(block).containsExactlyElementsOf(README_COMMANDS);
    }

    @Test
    void ciRunsTheReadmeTestCommand() {
        // .ci/run keeps going after a failed suite to print the counts, so the command may be followed
        // by "|| status=$?": what must match is the command itself, as its own statement.
        assertThat(read(ROOT.resolve(".ci/run")).lines().map(l -> l.strip().split("\\s*\\|\\|")[0]))
                .contains(README_COMMANDS.get(1));
    }

    @Test
    void everyDocsPageIsLinkedFromTheReadme() {
        String readme = read(README);
        for (Path page : docsPages()) {
            assertThat(readme).as("README.md links " + ROOT.relativize(page)).contains("](docs/" + page.getFileName() + ")");
        }
    }

    @Test
    void everyRelativeLinkResolvesToAFileAndHeading() {
        for (Path page : pages()) {
            List<String> lines = read(page).lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = LINK.matcher(lines.get(i));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.startsWith("#") || target.matches("[a-z]+:.*")) {
                        continue;
                    }
                    String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                    Path resolved = page.getParent().resolve(file).normalize();
                    assertThat(Files.exists(resolved)).as(ROOT.relativize(page) + ":" + (i + 1) + " links " + target).isTrue();
                    if (target.contains("#") && resolved.toString().endsWith(".md")) {
                        String anchor = target.substring(target.indexOf('#') + 1);
                        assertThat(anchors(resolved)).as(ROOT.relativize(page) + ":" + (i + 1) + " links a heading of " + file)
                                .contains(anchor);
                    }
                }
            }
        }
    }

    /** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens. */
    private static Set<String> anchors(Path page) {
        Set<String> anchors = new HashSet<>();
        boolean inFence = false;
        for (String line : read(page).lines().toList()) {
            if (FENCE.matcher(line).matches()) {
                inFence = !inFence;
            } else if (!inFence && line.startsWith("#")) {
                String title = line.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT);
                anchors.add(title.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }

    /** An unlabelled block would hide its commands from the check above. */
    @Test
    void everyFencedBlockNamesItsLanguage() {
        for (Path page : pages()) {
            List<String> lines = read(page).lines().toList();
            boolean open = false;
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = FENCE.matcher(lines.get(i));
                if (m.matches()) {
                    if (!open) {
                        assertThat(m.group(1).strip()).as(ROOT.relativize(page) + ":" + (i + 1) + " fence language").isNotEmpty();
                    }
                    open = !open;
                }
            }
            assertThat(open).as(ROOT.relativize(page) + " closes every fenced block").isFalse();
        }
    }

    static List<Path> pages() {
        List<Path> pages = new ArrayList<>();
        pages.add(README);
        pages.addAll(docsPages());
        return pages;
    }

    private static List<Path> docsPages() {
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            return files.filter(p -> p.toString().endsWith(".md")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The commands of every sh/bash/console block; in a console block only the lines after a "$ " prompt. */
    static List<DocCommand> commands() {
        List<DocCommand> commands = new ArrayList<>();
        for (Path page : pages()) {
            List<String> lines = read(page).lines().toList();
            String language = null;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                Matcher fence = FENCE.matcher(line);
                if (fence.matches()) {
                    language = language == null ? fence.group(1).strip() : null;
                    continue;
                }
                if (language == null || !SHELL_BLOCKS.contains(language)) {
                    continue;
                }
                if (language.equals("console")) {
                    if (!line.startsWith("$ ")) {
                        continue;
                    }
                    line = line.substring(2);
                }
                int start = i;
                StringBuilder joined = new StringBuilder();
                while (line.endsWith("\\") && i + 1 < lines.size()) {
                    joined.append(line, 0, line.length() - 1).append(' ');
                    line = lines.get(++i);
                }
                joined.append(line);
                for (List<String> words : ShellWords.split(joined.toString())) {
                    commands.add(new DocCommand(page, start + 1, words));
                }
            }
        }
        return commands;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
