package org.fastcopy.schema;

import org.fastcopy.FastcopyException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits pg_restore's (or pg_dump's) plain SQL into {@link TocEntry items} by the comment block it
 * prints before each one:
 * <pre>
 * --
 * -- TOC entry 3794 (class 2606 OID 16426)        (with --verbose only)
 * -- Dependencies: 223 216 3587                   (with --verbose only)
 * -- Name: t t_fk; Type: FK CONSTRAINT; Schema: public; Owner: mtt
 * --
 * </pre>
 * Between items pg_restore prints session switches ({@code SET default_tablespace = '';}); they
 * belong to the items that follow, so they go into each item's {@link SessionSettings} rather than
 * into any item's SQL.
 *
 * <p>Hazard: a function body could in theory hold a line that looks exactly like such a header;
 * pg_restore itself gives no stronger delimiter in plain output.
 */
public final class RestoreScriptParser {
    private static final Pattern TOC = Pattern.compile("^-- TOC entry (\\d+) \\(class (\\d+) OID (\\d+)\\)$");
    private static final Pattern DEPENDENCIES = Pattern.compile("^-- Dependencies:((?: \\d+)*)$");
    private static final Pattern NAME = Pattern.compile(
            "^-- Name: (.*?); Type: (.*?); Schema: (.*?); Owner: (.*?)(?:; Tablespace: .*)?$");
    /** psql's guard against a hostile server (pg_dump 17.6, 16.10, 15.14 and later); not SQL. */
    private static final Pattern RESTRICT = Pattern.compile("^\\\\(un)?restrict [A-Za-z0-9]+$");
    private static final Pattern SET = Pattern.compile("^SET ([A-Za-z_][A-Za-z0-9_.]*) (?:=|TO) .*;$");
    private static final Pattern SET_SPECIAL = Pattern.compile("^(?:SET|RESET) (SESSION AUTHORIZATION|ROLE)\\b.*;$");
    private static final Pattern RESET = Pattern.compile("^RESET ([A-Za-z_][A-Za-z0-9_.]*);$");
    private static final Pattern SET_CONFIG = Pattern.compile("^SELECT pg_catalog\\.set_config\\('([A-Za-z_][A-Za-z0-9_.]*)', .*\\);$");

    private RestoreScriptParser() {
    }

    public static RestoreScript parse(String text) {
        String[] lines = text.split("\n", -1);
        SessionSettings state = SessionSettings.EMPTY;
        SessionSettings preamble = null;
        List<TocEntry> entries = new ArrayList<>();
        Header header = null;
        List<String> body = new ArrayList<>();
        int i = 0;
        while (i < lines.length) {
            int end = headerEnd(lines, i);
            if (end < 0) {
                if (header == null) {
                    state = preambleLine(lines[i], i, state);
                } else {
                    body.add(lines[i]);
                }
                i++;
                continue;
            }
            if (header != null) {
                state = finish(header, body, state, entries);
            } else {
                preamble = state;
            }
            header = Header.parse(lines, i, end);
            body.clear();
            i = end + 1;
        }
        if (header != null) {
            finish(header, body, state, entries);
        }
        return new RestoreScript(preamble == null ? state : preamble, entries);
    }

    /** Index of the closing "--" when a header block starts at {@code i}, else -1. */
    private static int headerEnd(String[] lines, int i) {
        if (!lines[i].equals("--")) {
            return -1;
        }
        boolean named = false;
        for (int j = i + 1; j < lines.length; j++) {
            String l = lines[j];
            if (l.equals("--")) {
                return named && j > i + 1 ? j : -1;
            }
            if (!l.startsWith("-- ")) {
                return -1;
            }
            named |= NAME.matcher(l).matches();
        }
        return -1;
    }

    private static SessionSettings preambleLine(String line, int index, SessionSettings state) {
        String l = stripCr(line);
        if (l.isBlank() || l.startsWith("--") || RESTRICT.matcher(l).matches()) {
            return state;
        }
        String setting = sessionSetting(l);
        if (setting == null) {
            throw new FastcopyException(FastcopyException.FAILED, "unexpected line " + (index + 1)
                    + " before the first item of the pg_restore script: " + abbreviate(l));
        }
        return state.with(setting, l);
    }

    /**
     * Ends an item: trailing blank lines, comments and psql's \restrict lines are dropped, trailing
     * session switches move to the state of the items that follow.
     *
     * @return the state after this item
     */
    private static SessionSettings finish(Header h, List<String> body, SessionSettings state, List<TocEntry> out) {
        int end = body.size();
        List<String> switches = new ArrayList<>();
        while (end > 0) {
            String l = stripCr(body.get(end - 1));
            String setting = sessionSetting(l);
            if (setting != null) {
                switches.add(0, l);
            } else if (!(l.isBlank() || l.startsWith("--") || RESTRICT.matcher(l).matches())) {
                break;
            }
            end--;
        }
        int start = 0;
        while (start < end && body.get(start).isBlank()) {
            start++;
        }
        String sql = String.join("\n", body.subList(start, end));
        out.add(new TocEntry(h.dumpId, h.catalogClass, h.catalogOid, h.dependencies, h.name, h.type, h.schema, h.owner,
                sql, state));
        SessionSettings next = state;
        for (String l : switches) {
            next = next.with(sessionSetting(l), l);
        }
        return next;
    }

    /** The setting a session-state line sets (lower case), or null when the line is not one. */
    static String sessionSetting(String line) {
        Matcher m = SET_SPECIAL.matcher(line);
        if (m.matches()) {
            // SET ROLE and SET SESSION AUTHORIZATION are one state: either resets the other
            return "role";
        }
        m = SET.matcher(line);
        if (m.matches()) {
            return m.group(1).toLowerCase(Locale.ROOT);
        }
        m = RESET.matcher(line);
        if (m.matches()) {
            return m.group(1).toLowerCase(Locale.ROOT);
        }
        m = SET_CONFIG.matcher(line);
        if (m.matches()) {
            return m.group(1).toLowerCase(Locale.ROOT);
        }
        return null;
    }

    private static String stripCr(String l) {
        return l.endsWith("\r") ? l.substring(0, l.length() - 1) : l;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private record Header(int dumpId, long catalogClass, long catalogOid, List<Integer> dependencies,
                          String name, String type, String schema, String owner) {

        static Header parse(String[] lines, int start, int end) {
            int dumpId = -1;
            long catalogClass = 0;
            long catalogOid = 0;
            List<Integer> deps = new ArrayList<>();
            Matcher name = null;
            for (int j = start + 1; j < end; j++) {
                String l = lines[j];
                Matcher m = TOC.matcher(l);
                if (m.matches()) {
                    dumpId = Integer.parseInt(m.group(1));
                    catalogClass = Long.parseLong(m.group(2));
                    catalogOid = Long.parseLong(m.group(3));
                    continue;
                }
                m = DEPENDENCIES.matcher(l);
                if (m.matches()) {
                    for (String d : m.group(1).trim().split(" ")) {
                        if (!d.isEmpty()) {
                            deps.add(Integer.parseInt(d));
                        }
                    }
                    continue;
                }
                m = NAME.matcher(l);
                if (m.matches()) {
                    name = m;
                }
            }
            // headerEnd() only accepts blocks holding a Name line
            return new Header(dumpId, catalogClass, catalogOid, deps, name.group(1), name.group(2),
                    dashIsNull(name.group(3)), dashIsNull(name.group(4)));
        }

        private static String dashIsNull(String s) {
            return s.equals("-") ? null : s;
        }
    }
}
