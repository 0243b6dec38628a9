package org.fastcopy.docs;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one shell line as a POSIX shell would for the docs' purposes: words, single and double
 * quotes (no expansion: the docs show literal values), backslash escapes, a comment from an unquoted
 * '#' at the start of a word, and commands separated by &&, ||, ; and |. Enough to read a documented
 * command line; not a shell.
 */
final class ShellWords {
    private ShellWords() {
    }

    /** The commands of a line, each as its words. */
    static List<List<String>> split(String line) {
        List<List<String>> commands = new ArrayList<>();
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                } else if (ch == '\\' && quote == '"' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
                    word.append(line.charAt(++i));
                } else {
                    word.append(ch);
                }
            } else if (ch == '\'' || ch == '"') {
                word = word == null ? new StringBuilder() : word;
                quote = ch;
            } else if (ch == '\\' && i + 1 < line.length()) {
                word = word == null ? new StringBuilder() : word;
                word.append(line.charAt(++i));
            } else if (Character.isWhitespace(ch) || ch == '&' || ch == '|' || ch == ';') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                if (ch != ' ' && ch != '\t') {
                    if ((ch == '&' || ch == '|') && i + 1 < line.length() && line.charAt(i + 1) == ch) {
                        i++;
                    } else if (ch == '&') {
                        throw new IllegalArgumentException("a background '&' in a documented command: " + line);
                    }
                    addCommand(commands, words);
                    words = new ArrayList<>();
                }
            } else if (ch == '#' && word == null) {
                break;
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(ch);
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unclosed " + quote + " in a documented command: " + line);
        }
        if (word != null) {
            words.add(word.toString());
        }
        addCommand(commands, words);
        return commands;
    }

    /** The line up to its comment, as written, without trailing blanks. */
    static String uncommented(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quote != 0) {
                quote = ch == quote ? 0 : quote;
            } else if (ch == '\'' || ch == '"') {
                quote = ch;
            } else if (ch == '\\') {
                i++;
            } else if (ch == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i).stripTrailing();
            }
        }
        return line.stripTrailing();
    }

    private static void addCommand(List<List<String>> commands, List<String> words) {
        if (!words.isEmpty()) {
            commands.add(List.copyOf(words));
        }
    }
}
