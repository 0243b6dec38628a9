package org.fastcopy.manual;

import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One command's manual page in troff (man(7) macros), written from the picocli model alone: the
 * synopsis as picocli prints it in --help, the description, every visible option and parameter with
 * its description and default, the footer (examples, endpoints, exit codes) and the related pages.
 * There is no second copy of any option text: a renamed option changes --help and the page together.
 */
final class ManPage {
    private final CommandSpec spec;
    private final String version;

    ManPage(CommandSpec spec, String version) {
        this.spec = spec;
        this.version = version;
    }

    /** The page's name: the command's qualified name with hyphens, "fastcopy-cluster-start". */
    static String name(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    String render() {
        StringBuilder out = new StringBuilder();
        out.append(".TH \"").append(Roff.text(name(spec).toUpperCase(Locale.ROOT))).append("\" \"1\" \"\" \"")
                .append(Roff.text("fastcopy " + version)).append("\" \"fastcopy manual\"\n")
                // no hyphenation, ragged right: option names and SQL must not be broken or stretched
                .append(".nh\n.ad l\n");
        section(out, "NAME");
        out.append(Roff.text(name(spec) + " - " + summary())).append('\n');
        section(out, "SYNOPSIS");
        preformatted(out, synopsis());
        section(out, "DESCRIPTION");
        for (String paragraph : spec.usageMessage().description()) {
            out.append(".PP\n").append(filled(paragraph)).append('\n');
        }
        List<PositionalParamSpec> parameters = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!parameters.isEmpty()) {
            section(out, "ARGUMENTS");
            for (PositionalParamSpec p : parameters) {
                out.append(".TP\n").append(Roff.italic(p.paramLabel())).append('\n');
                describe(out, p);
            }
        }
        section(out, "OPTIONS");
        for (OptionSpec o : spec.options()) {
            if (!o.hidden()) {
                out.append(".TP\n").append(optionHead(o)).append('\n');
                describe(out, o);
            }
        }
        List<CommandSpec> subcommands = Manual.subcommands(spec);
        if (!subcommands.isEmpty()) {
            section(out, "COMMANDS");
            for (CommandSpec sub : subcommands) {
                out.append(".TP\n").append(Roff.bold(sub.name())).append('\n')
                        .append(Roff.text(new ManPage(sub, version).summary())).append(". See ")
                        .append(Roff.bold(name(sub))).append("(1).\n");
            }
        }
        footer(out);
        section(out, "SEE ALSO");
        List<String> related = new ArrayList<>();
        if (spec.parent() != null) {
            related.add(name(spec.parent()));
        }
        subcommands.forEach(sub -> related.add(name(sub)));
        related.addAll(List.of("pg_dump", "pg_restore", "psql"));
        out.append(String.join(",\n", related.stream().map(r -> Roff.bold(r) + "(1)").toList())).append('\n');
        return out.toString();
    }

    /** The first sentence of the description: the NAME line that apropos and whatis index. */
    String summary() {
        String[] description = spec.usageMessage().description();
        String first = description.length == 0 ? spec.name() : description[0];
        int end = first.indexOf(". ");
        String sentence = end < 0 ? first : first.substring(0, end + 1);
        return sentence.endsWith(".") ? sentence.substring(0, sentence.length() - 1) : sentence;
    }

    private String synopsis() {
        // Ansi.OFF: the build may run on a terminal, and escape codes would end up in the page.
        return new Help(spec, Help.defaultColorScheme(Help.Ansi.OFF)).synopsis(0).stripTrailing();
    }

    private static String optionHead(OptionSpec o) {
        List<String> names = new ArrayList<>();
        for (String n : o.names()) {
            names.add(Roff.bold(n));
        }
        String head = String.join(", ", names);
        boolean takesValue = o.arity().max() > 0 && !o.usageHelp() && !o.versionHelp();
        return takesValue ? head + "=" + Roff.italic(o.paramLabel()) : head;
    }

    private void describe(StringBuilder out, ArgSpec arg) {
        List<String> lines = new ArrayList<>();
        for (String line : arg.description()) {
            lines.add(line.replace("${COMPLETION-CANDIDATES}", candidates(arg))
                    .replace("${DEFAULT-VALUE}", String.valueOf(arg.defaultValueString())));
        }
        if (showsDefault(arg)) {
            lines.add("Default: " + arg.defaultValueString() + ".");
        }
        out.append(filled(String.join(" ", lines))).append('\n');
    }

    /**
     * Description text as troff fills it. picocli passes descriptions through String.format when it
     * prints them: %n is a line break (.br here, since troff joins input lines), %% a percent sign.
     */
    private static String filled(String s) {
        List<String> lines = new ArrayList<>();
        for (String line : s.split("%n", -1)) {
            lines.add(Roff.text(line.replace("%%", "%")));
        }
        return String.join("\n.br\n", lines);
    }

    private boolean showsDefault(ArgSpec arg) {
        if (arg.defaultValue() == null || String.join(" ", arg.description()).contains("${DEFAULT-VALUE}")) {
            return false;
        }
        return switch (arg.showDefaultValue()) {
            case ALWAYS -> true;
            case NEVER -> false;
            case ON_DEMAND -> spec.usageMessage().showDefaultValues();
        };
    }

    private static String candidates(ArgSpec arg) {
        List<String> values = new ArrayList<>();
        Iterable<String> candidates = arg.completionCandidates();
        if (candidates != null) {
            candidates.forEach(values::add);
        }
        return String.join(", ", values);
    }

    /**
     * The footer keeps its layout (aligned examples, lists): blocks headed "Examples:" or "Example:"
     * become EXAMPLES, the rest NOTES, each as preformatted text.
     */
    private void footer(StringBuilder out) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> block = new ArrayList<>();
        for (String line : spec.usageMessage().footer()) {
            for (String part : line.split("%n|\n", -1)) {
                if (part.isBlank()) {
                    if (!block.isEmpty()) {
                        blocks.add(block);
                        block = new ArrayList<>();
                    }
                } else {
                    block.add(part);
                }
            }
        }
        if (!block.isEmpty()) {
            blocks.add(block);
        }
        List<String> examples = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (List<String> b : blocks) {
            String head = b.get(0).strip();
            boolean example = head.equals("Examples:") || head.equals("Example:");
            List<String> into = example ? examples : notes;
            if (!into.isEmpty()) {
                into.add("");
            }
            into.addAll(example ? b.subList(1, b.size()) : b);
        }
        if (!examples.isEmpty()) {
            section(out, "EXAMPLES");
            preformatted(out, String.join("\n", examples));
        }
        if (!notes.isEmpty()) {
            section(out, "NOTES");
            preformatted(out, String.join("\n", notes));
        }
    }

    private static void section(StringBuilder out, String title) {
        out.append(".SH \"").append(title).append("\"\n");
    }

    private static void preformatted(StringBuilder out, String text) {
        out.append(".PP\n.nf\n");
        text.lines().forEach(l -> out.append(Roff.text(l)).append('\n'));
        out.append(".fi\n");
    }
}
