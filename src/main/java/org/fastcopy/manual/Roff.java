package org.fastcopy.manual;

/**
 * Text made safe for troff's man macros. A backslash starts an escape and a line starting with a
 * dot or an apostrophe is a request, so both are neutralised; every hyphen becomes {@code \-}
 * because groff prints a bare '-' as a typographic hyphen in UTF-8, and an option copied from
 * such a page ("‐‐src") is refused by the shell's program.
 */
final class Roff {
    private Roff() {
    }

    /** Text on one or more lines, each safe to start a troff input line. */
    static String text(String s) {
        StringBuilder out = new StringBuilder();
        String[] lines = s.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String escaped = lines[i].replace("\\", "\\e").replace("-", "\\-");
            out.append(i > 0 ? "\n" : "").append(escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" : "").append(escaped);
        }
        return out.toString();
    }

    static String bold(String s) {
        return "\\fB" + text(s) + "\\fR";
    }

    static String italic(String s) {
        return "\\fI" + text(s) + "\\fR";
    }
}
