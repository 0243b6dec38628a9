package org.fastcopy.manual;

import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Shell completion from the picocli model. bash gets picocli's script as it is; zsh gets the same
 * script behind bashcompinit (picocli documents it as working there), wrapped as an autoloaded
 * completion function so that it can live in a vendor-completions directory instead of .zshrc.
 */
final class Completion {
    private Completion() {
    }

    static String bash(String program, CommandLine root) {
        return AutoComplete.bash(program, root);
    }

    static String zsh(String program, CommandLine root) {
        return "#compdef " + program + "\n"
                + "# zsh completion for " + program + ": picocli's bash completion through bashcompinit.\n"
                + "# On the first Tab this file defines the bash functions and registers them (the script\n"
                + "# loads bashcompinit itself), then completes the current word as they would.\n"
                + "# picocli's script makes compopt (bash only) an alias for zsh, but zsh parses an autoloaded\n"
                + "# file whole before running it, so the alias never reaches the functions defined in it.\n"
                + "(( $+functions[compopt] )) || compopt() { :; }\n"
                + bash(program, root)
                + "\n_bash_complete -o default -F _complete_" + program + "\n";
    }
}
