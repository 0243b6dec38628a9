package org.fastcopy.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every command's --help is a complete reference: each option with its default, and an Example
 * section whose command lines are accepted by the command they show. Commands are found by walking
 * the command tree, so a new command is held to the same rules without touching this test.
 */
class HelpTest {
    private static final Pattern OPTION_LINE = Pattern.compile("^\\s+-");
    private static final Pattern EXAMPLE_HEADING = Pattern.compile("Examples?:");

    /** The command paths below the root, e.g. [] for fastcopy and [generate] for fastcopy generate. */
    static Stream<List<String>> commands() {
        List<List<String>> paths = new ArrayList<>();
        collect(Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())),
                List.of(), paths, new IdentityHashMap<>());
        return paths.stream();
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> paths,
                                Map<CommandLine, Boolean> seen) {
        if (seen.put(cl, true) != null) {
            return; // an alias of a command already listed
        }
        paths.add(path);
        cl.getSubcommands().forEach((name, sub) -> {
            List<String> subPath = new ArrayList<>(path);
            subPath.add(name);
            collect(sub, subPath, paths, seen);
        });
    }

    private static CliRun help(List<String> path) {
        List<String> args = new ArrayList<>(path);
        args.add("--help");
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertThat(run.exitCode()).as("exit code of %s --help", path).isZero();
        assertThat(run.err()).as("stderr of %s --help", path).isEmpty();
        return run;
    }

    private static CommandSpec spec(List<String> path) {
        CommandLine cl = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        for (String name : path) {
            cl = cl.getSubcommands().get(name);
        }
        return cl.getCommandSpec();
    }

    @Test
    void theWalkReachesEveryCommandOfTheTree() {
        assertThat(commands()).contains(List.of(), List.of("generate"), List.of("demo")).doesNotHaveDuplicates();
    }

    @ParameterizedTest(name = "fastcopy {0} --help")
    @MethodSource("commands")
    void helpListsEveryOptionWithItsDefault(List<String> path) {
        List<String> lines = help(path).out().lines().toList();

        for (OptionSpec option : spec(path).options()) {
            if (option.hidden()) {
                continue;
            }
            String block = optionBlock(lines, option.longestName());
            if (option.defaultValue() != null) {
                assertThat(block).as("help of %s", option.longestName()).contains("Default: " + option.defaultValue());
            }
        }
    }

    @ParameterizedTest(name = "fastcopy {0} --help")
    @MethodSource("commands")
    void helpEndsWithExamplesOfThisCommandThatItAccepts(List<String> path) {
        String qualifiedName = spec(path).qualifiedName();
        List<String> examples = examples(help(path).out());

        // a line that does not start with "fastcopy " is an example the help wrapped at its width
        assertThat(examples).as("the Example section of %s", qualifiedName).isNotEmpty()
                .allSatisfy(example -> assertThat(example).startsWith("fastcopy "))
                .anySatisfy(example -> assertThat(example).startsWith(qualifiedName));
        for (String example : examples) {
            String[] words = example.split("\\s+");
            CommandLine cl = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
            try {
                ParseResult parsed = cl.parseArgs(Arrays.copyOfRange(words, 1, words.length));
                assertThat(parsed.errors()).as(example).isEmpty();
            } catch (CommandLine.ParameterException e) {
                fail("example '" + example + "' is refused: " + e.getMessage());
            }
        }
    }

    @Test
    void withoutArgumentsFastcopyPrintsItsHelp() {
        CliRun run = CliRun.of();

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo(help(List.of()).out());
    }

    @Test
    void versionNamesTheProgram() {
        CliRun run = CliRun.of("--version");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).matches("fastcopy \\S+\\R");
    }

    /** The option's first help line and its description lines, up to the next option. */
    private static String optionBlock(List<String> lines, String name) {
        Pattern start = Pattern.compile("^\\s+(-\\w, )?" + Pattern.quote(name) + "([=\\s\\[]|$)");
        for (int i = 0; i < lines.size(); i++) {
            if (start.matcher(lines.get(i)).find()) {
                StringBuilder block = new StringBuilder(lines.get(i));
                for (int j = i + 1; j < lines.size() && !lines.get(j).isBlank() && !OPTION_LINE.matcher(lines.get(j)).find(); j++) {
                    block.append('\n').append(lines.get(j));
                }
                return block.toString();
            }
        }
        return fail("the help does not list " + name + ":\n" + String.join("\n", lines));
    }

    /** The command lines under the Example(s) heading, comments cut off, up to the first blank line. */
    private static List<String> examples(String help) {
        List<String> lines = help.lines().toList();
        List<String> examples = new ArrayList<>();
        int i = 0;
        while (i < lines.size() && !EXAMPLE_HEADING.matcher(lines.get(i).strip()).matches()) {
            i++;
        }
        for (i++; i < lines.size() && !lines.get(i).isBlank(); i++) {
            int comment = lines.get(i).indexOf('#');
            examples.add((comment < 0 ? lines.get(i) : lines.get(i).substring(0, comment)).strip());
        }
        return examples;
    }
}
