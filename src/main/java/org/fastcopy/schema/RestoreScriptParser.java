package org.fastcopy.schema;

import org.fastcopy.FastcopyException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
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

    /** Parses a script held in memory; the items hold their SQL as Strings. */
    public static RestoreScript parse(String text) {
        return parse(new ScriptLines.OfString(text), ScriptLines::joined);
    }

    /**
     * Parses a script file line by line, never holding it whole; each item's SQL stays in the file
     * as a {@link DdlText.Slice}, read when the item runs.
     */
    public static RestoreScript parse(Path file) {
        try (ScriptLines.OfFile lines = new ScriptLines.OfFile(file)) {
            DdlText.ScriptFile script = new DdlText.ScriptFile(file, lines.size());
            return parse(lines, body -> ScriptLines.slice(script, body));
        } catch (IOException | UncheckedIOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static RestoreScript parse(ScriptLines source, Function<List<ScriptLines.Line>, DdlText> text) {
        Deque<ScriptLines.Line> pushedBack = new ArrayDeque<>();
        Map<Object, Object> shared = new HashMap<>();
        SessionSettings state = SessionSettings.EMPTY;
        SessionSettings preamble = null;
        List<TocEntry> entries = new ArrayList<>();
        Header header = null;
        List<ScriptLines.Line> body = new ArrayList<>();
        ScriptLines.Line line;
        while ((line = next(pushedBack, source)) != null) {
            List<String> block = line.text().equals("--") ? headerBlock(pushedBack, source) : null;
            if (block == null) {
                if (header == null) {
                    state = preambleLine(line, state);
                } else {
                    body.add(line);
                }
                continue;
            }
            if (header != null) {
                state = finish(header, body, state, entries, text);
            } else {
                preamble = state;
            }
            header = Header.parse(block, shared);
            body.clear();
        }
        if (header != null) {
            finish(header, body, state, entries, text);
        }
        return new RestoreScript(preamble == null ? state : preamble, entries);
    }

    private static ScriptLines.Line next(Deque<ScriptLines.Line> pushedBack, ScriptLines source) {
        return pushedBack.isEmpty() ? source.next() : pushedBack.pollFirst();
    }

    /**
     * After a "--" line: the header's inner lines when a header block follows (comment lines up
     * to a closing "--", one of them a Name line), else null with every line read pushed back.
     */
    private static List<String> headerBlock(Deque<ScriptLines.Line> pushedBack, ScriptLines source) {
        List<ScriptLines.Line> read = new ArrayList<>();
        boolean named = false;
        ScriptLines.Line l;
        while ((l = next(pushedBack, source)) != null) {
            read.add(l);
            if (l.text().equals("--")) {
                if (named && read.size() > 1) {
                    return read.subList(0, read.size() - 1).stream().map(ScriptLines.Line::text).toList();
                }
                break;
            }
            if (!l.text().startsWith("-- ")) {
                break;
            }
            named |= NAME.matcher(l.text()).matches();
        }
        for (int i = read.size() - 1; i >= 0; i--) {
            pushedBack.addFirst(read.get(i));
        }
        return null;
    }

    private static SessionSettings preambleLine(ScriptLines.Line line, SessionSettings state) {
        String l = stripCr(line.text());
        if (l.isBlank() || l.startsWith("--") || RESTRICT.matcher(l).matches()) {
            return state;
        }
        String setting = sessionSetting(l);
        if (setting == null) {
            throw new FastcopyException(FastcopyException.FAILED, "unexpected line " + line.number()
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
    private static SessionSettings finish(Header h, List<ScriptLines.Line> body, SessionSettings state, List<TocEntry> out,
                                          Function<List<ScriptLines.Line>, DdlText> text) {
        int end = body.size();
        List<String> switches = new ArrayList<>();
        while (end > 0) {
            String l = stripCr(body.get(end - 1).text());
            String setting = sessionSetting(l);
            if (setting != null) {
                switches.add(0, l);
            } else if (!(l.isBlank() || l.startsWith("--") || RESTRICT.matcher(l).matches())) {
                break;
            }
            end--;
        }
        int start = 0;
        while (start < end && body.get(start).text().isBlank()) {
            start++;
        }
        out.add(new TocEntry(h.dumpId, h.catalogClass, h.catalogOid, h.dependencies, h.name, h.type, h.schema, h.owner,
                text.apply(body.subList(start, end)), state));
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

        /**
         * @param shared one String per distinct type, schema and owner, one Integer per dump id
         *               depended on: a schema of many tables repeats them a few hundred thousand times
         */
        static Header parse(List<String> lines, Map<Object, Object> shared) {
            int dumpId = -1;
            long catalogClass = 0;
            long catalogOid = 0;
            List<Integer> deps = new ArrayList<>();
            Matcher name = null;
            for (String l : lines) {
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
                            deps.add(one(shared, Integer.parseInt(d)));
                        }
                    }
                    continue;
                }
                m = NAME.matcher(l);
                if (m.matches()) {
                    name = m;
                }
            }
            // headerBlock() only accepts blocks holding a Name line
            return new Header(dumpId, catalogClass, catalogOid, deps, name.group(1), one(shared, name.group(2)),
                    one(shared, dashIsNull(name.group(3))), one(shared, dashIsNull(name.group(4))));
        }

        /** The one instance of {@code v} (a table's dump id is named by each of its items). */
        @SuppressWarnings("unchecked")
        private static <T> T one(Map<Object, Object> shared, T v) {
            return v == null ? null : (T) shared.computeIfAbsent(v, k -> k);
        }

        private static String dashIsNull(String s) {
            return s.equals("-") ? null : s;
        }
    }
}
