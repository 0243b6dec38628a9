package org.fastcopy.manual;

import org.fastcopy.cli.ConvertCommand;
import org.fastcopy.cli.FastcopyCommand;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the installed documentation of both launchers from their picocli models: a man page for
 * every command and subcommand under {@code DIR/man/man1}, and bash and zsh completion under
 * {@code DIR/completion}. Run by the build (prepare-package) with {@code DIR VERSION}; the
 * tarball and the Debian package take the files from there.
 */
public final class Manual {
    private Manual() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Manual DIR VERSION");
            System.exit(2);
        }
        write(Path.of(args[0]), args[1]);
    }

    /** The two programs a user runs, each with its own command tree: fastcopy and convert. */
    static List<CommandLine> roots() {
        return List.of(new CommandLine(new FastcopyCommand()), new CommandLine(new ConvertCommand()));
    }

    static void write(Path dir, String version) throws IOException {
        Path man = Files.createDirectories(dir.resolve("man").resolve("man1"));
        for (Map.Entry<String, String> page : pages(version).entrySet()) {
            Files.writeString(man.resolve(page.getKey() + ".1"), page.getValue());
        }
        Path completion = Files.createDirectories(dir.resolve("completion"));
        for (CommandLine root : roots()) {
            String program = root.getCommandName();
            Files.writeString(completion.resolve(program + ".bash"), Completion.bash(program, root));
            Files.writeString(completion.resolve("_" + program), Completion.zsh(program, root));
        }
    }

    /** The names of the pages {@link #write} writes ("fastcopy", "fastcopy-verify", ..., "convert"). */
    public static List<String> pageNames() {
        List<String> names = new ArrayList<>();
        for (CommandLine root : roots()) {
            tree(root.getCommandSpec()).forEach(spec -> names.add(ManPage.name(spec)));
        }
        return names;
    }

    /** Page name to troff text, for every visible command of both programs. */
    static Map<String, String> pages(String version) {
        Map<String, String> pages = new LinkedHashMap<>();
        for (CommandLine root : roots()) {
            for (CommandSpec spec : tree(root.getCommandSpec())) {
                pages.put(ManPage.name(spec), new ManPage(spec, version).render());
            }
        }
        return pages;
    }

    /** A command and all its visible subcommands, depth first. */
    static List<CommandSpec> tree(CommandSpec spec) {
        List<CommandSpec> all = new ArrayList<>();
        all.add(spec);
        for (CommandSpec sub : subcommands(spec)) {
            all.addAll(tree(sub));
        }
        return all;
    }

    /** Visible subcommands once each (picocli lists a command again under each alias). */
    static List<CommandSpec> subcommands(CommandSpec spec) {
        List<CommandSpec> subs = new ArrayList<>();
        for (CommandLine sub : spec.subcommands().values()) {
            CommandSpec s = sub.getCommandSpec();
            if (!s.usageMessage().hidden() && !subs.contains(s)) {
                subs.add(s);
            }
        }
        return subs;
    }
}
