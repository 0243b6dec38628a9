package org.fastcopy.bench.report;

/** The report's text, line by line. */
final class Markdown {
    private final StringBuilder sb = new StringBuilder();

    Markdown line(String s) {
        sb.append(s).append('\n');
        return this;
    }

    Markdown blank() {
        sb.append('\n');
        return this;
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
