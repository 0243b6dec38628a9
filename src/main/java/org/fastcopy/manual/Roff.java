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

    static String text(String s) {
        String escaped = s.replace("\\", "\\e").replace("-", "\\-");
        return escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" + escaped : escaped;
    }

    static String bold(String s) {
        return "\\fB" + text(s) + "\\fR";
    }

    static String italic(String s) {
        return "\\fI" + text(s) + "\\fR";
    }
}
