package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.endpoint.EndpointResolver;
import org.fastcopy.util.Ini;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a migration plan ({@link Ini}'s libpq dialect: {@code [section]}, {@code key = value},
 * whole-line {@code #} comments; section and key names in any case) and checks everything that can
 * be checked without touching a database: every section and key known, every required key
 * present, endpoints resolvable by libpq's rules, their hosts resolvable in DNS, the service conf present and holding its section. Every refusal is one line
 * {@code FILE:LINE: what is wrong}, exit 2, so an operator finds the mistake before a two-day run
 * starts rather than in the middle of it. Relative paths are relative to the plan's directory.
 */
public final class PlanParser {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.-]+");

    /** Known sections and their keys; {@code true} marks a required key. */
    private static final Map<String, Map<String, Boolean>> SCHEMA = new LinkedHashMap<>();

    static {
        SCHEMA.put("servers", keys("production", true, "flux1", true, "flux2", true, "hosts-file", false));
        SCHEMA.put("databases", keys("v3", true, "flat", true));
        SCHEMA.put("service", keys("conf", true, "section", true, "host-key", false, "port-key", false,
                "flux1-host", false, "flux1-port", false, "flux2-host", false, "flux2-port", false));
        SCHEMA.put("run", keys("state-dir", true, "copy-jobs", false, "convert-jobs", false, "drop-flux2-copies", false,
                "notify", false, "notify-timeout", false, "follow", false, "end", false));
    }

    private final Path file;
    private final Function<List<Path>, EndpointResolver> resolvers;
    private final Map<String, Section> sections = new LinkedHashMap<>();
    private int lastLine;

    /**
     * @param resolvers makes the endpoint resolver, given the plan's hosts-file (if any) as an extra
     *                  service file; the command line uses the process environment, tests their own
     */
    private PlanParser(Path file, Function<List<Path>, EndpointResolver> resolvers) {
        this.file = file;
        this.resolvers = resolvers;
    }

    public static MigratePlan parse(Path file, Function<List<Path>, EndpointResolver> resolvers) {
        return new PlanParser(file, resolvers).parse();
    }

    private record Value(String text, int line) {
    }

    private record Section(String name, int line, Map<String, Value> values) {
    }

    private MigratePlan parse() {
        List<Ini.Line> lines;
        try {
            lines = Ini.parse(Files.readString(file), Ini.Dialect.LIBPQ);
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.USAGE, "--plan " + file + ": cannot read it (" + e.getMessage() + ")");
        }
        lastLine = lines.size();
        Section current = null;
        for (Ini.Line line : lines) {
            switch (line.kind()) {
                case BLANK, COMMENT -> {
                }
                case SECTION -> current = section(line);
                default -> entry(line, current);
            }
        }
        for (Map.Entry<String, Map<String, Boolean>> s : SCHEMA.entrySet()) {
            Section sec = sections.get(s.getKey());
            if (sec == null) {
                throw error(lastLine, "section [" + s.getKey() + "] is missing (end of file)");
            }
            for (Map.Entry<String, Boolean> k : s.getValue().entrySet()) {
                if (k.getValue() && (!sec.values().containsKey(k.getKey()) || sec.values().get(k.getKey()).text().isEmpty())) {
                    throw error(sec.line(), "[" + sec.name() + "] has no '" + k.getKey() + "'");
                }
            }
        }
        return build();
    }

    private Section section(Ini.Line line) {
        int n = line.number();
        String written = line.sectionName();
        if (written == null) {
            throw notSectionOrKey(n);
        }
        String name = written.toLowerCase(Locale.ROOT);
        if (!SCHEMA.containsKey(name)) {
            throw error(n, "unknown section [" + written + "] (known: " + String.join(", ", SCHEMA.keySet()) + ")");
        }
        if (sections.containsKey(name)) {
            throw error(n, "section [" + name + "] appears twice (first on line " + sections.get(name).line() + ")");
        }
        Section s = new Section(name, n, new LinkedHashMap<>());
        sections.put(name, s);
        return s;
    }

    private void entry(Ini.Line line, Section current) {
        int n = line.number();
        if (line.kind() != Ini.Kind.ENTRY || !KEY.matcher(line.key()).matches()) {
            throw notSectionOrKey(n);
        }
        String key = line.key().toLowerCase(Locale.ROOT);
        if (current == null) {
            throw error(n, "key '" + key + "' before any [section]");
        }
        Map<String, Boolean> known = SCHEMA.get(current.name());
        if (!known.containsKey(key)) {
            throw error(n, "unknown key '" + key + "' in [" + current.name() + "] (known: "
                    + String.join(", ", known.keySet()) + ")");
        }
        Value earlier = current.values().get(key);
        if (earlier != null) {
            throw error(n, "key '" + key + "' is set twice in [" + current.name() + "] (first on line "
                    + earlier.line() + ")");
        }
        current.values().put(key, new Value(line.value(), n));
    }

    private FastcopyException notSectionOrKey(int line) {
        // The line is not echoed: a stray "password: ..." must not reach a terminal or a log.
        return error(line, "expected [section] or key = value");
    }

    private MigratePlan build() {
        Value hostsFile = value("servers", "hosts-file");
        List<Path> extra = List.of();
        if (hostsFile != null) {
            Path hf = path(hostsFile.text());
            if (!Files.isReadable(hf)) {
                throw error(hostsFile.line(), "hosts-file " + hf + " does not exist or is not readable");
            }
            extra = List.of(hf);
        }
        EndpointResolver resolver = resolvers.apply(extra);
        Endpoint production = endpoint(resolver, "production");
        Endpoint flux1 = endpoint(resolver, "flux1");
        Endpoint flux2 = endpoint(resolver, "flux2");
        distinct(flux1, "flux1", flux2, "flux2");
        distinct(flux1, "flux1", production, "production");
        distinct(flux2, "flux2", production, "production");
        String v3 = name("databases", "v3");
        String flat = name("databases", "flat");
        if (v3.equals(flat)) {
            throw error(value("databases", "flat").line(), "flat names the same database as v3 (" + v3 + ")");
        }

        Value confValue = value("service", "conf");
        Path conf = path(confValue.text());
        if (!Files.isRegularFile(conf)) {
            throw error(confValue.line(), "service conf " + conf + " does not exist");
        }
        String section = name("service", "section");
        try {
            ServiceConf.read(conf, section);
        } catch (FastcopyException e) {
            throw error(value("service", "section").line(), e.getMessage());
        }
        MigratePlan.ServiceTarget service = new MigratePlan.ServiceTarget(conf, section,
                text("service", "host-key", "host"), text("service", "port-key", "port"),
                text("service", "flux1-host", flux1.host()), integer("service", "flux1-port", flux1.port(), 1, 65535),
                text("service", "flux2-host", flux2.host()), integer("service", "flux2-port", flux2.port(), 1, 65535));

        String notify = text("run", "notify", "");
        return new MigratePlan(file, production, flux1, flux2, v3, flat, service,
                integer("run", "copy-jobs", 4, 1, 256), integer("run", "convert-jobs", 4, 1, 256),
                bool("run", "drop-flux2-copies", true), notify.isEmpty() ? null : notify,
                duration("run", "notify-timeout", Duration.ofSeconds(10)), path(value("run", "state-dir").text()),
                bool("run", "follow", false), endInFollow());
    }

    /** {@code end = watermark} (the runbook's step 9, the default) or {@code end = follow} (convert --follow). */
    private boolean endInFollow() {
        String end = text("run", "end", "watermark").toLowerCase(Locale.ROOT);
        if (!end.equals("watermark") && !end.equals("follow")) {
            throw error(value("run", "end").line(), "end must be watermark or follow, not '" + end + "'");
        }
        return end.equals("follow");
    }

    private Endpoint endpoint(EndpointResolver resolver, String key) {
        Value v = value("servers", key);
        Endpoint ep;
        try {
            ep = resolver.resolve(v.text());
        } catch (FastcopyException e) {
            throw error(v.line(), key + ": " + e.getMessage());
        }
        if (!ep.host().startsWith("/")) {
            try {
                InetAddress.getByName(ep.host());
            } catch (UnknownHostException e) {
                throw error(v.line(), key + ": host '" + ep.host() + "' does not resolve");
            }
        }
        return ep;
    }

    private void distinct(Endpoint a, String aKey, Endpoint b, String bKey) {
        if (a.host().equals(b.host()) && a.port() == b.port()) {
            throw error(value("servers", bKey).line(), bKey + " is the same server as " + aKey + " (" + b.host() + ":"
                    + b.port() + ")");
        }
    }

    private Value value(String section, String key) {
        return sections.get(section).values().get(key);
    }

    private String text(String section, String key, String fallback) {
        Value v = value(section, key);
        return v == null || v.text().isEmpty() ? fallback : v.text();
    }

    private String name(String section, String key) {
        Value v = value(section, key);
        if (v.text().indexOf('\0') >= 0 || v.text().isBlank()) {
            throw error(v.line(), key + " is not a name");
        }
        return v.text();
    }

    private int integer(String section, String key, int fallback, int min, int max) {
        Value v = value(section, key);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.text());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the one-line error below says what is allowed
        }
        throw error(v.line(), key + " must be a whole number in [" + min + ", " + max + "], not '" + v.text() + "'");
    }

    private boolean bool(String section, String key, boolean fallback) {
        Value v = value(section, key);
        if (v == null) {
            return fallback;
        }
        return switch (v.text().toLowerCase(Locale.ROOT)) {
            case "yes", "true", "on" -> true;
            case "no", "false", "off" -> false;
            default -> throw error(v.line(), key + " must be yes or no, not '" + v.text() + "'");
        };
    }

    private Duration duration(String section, String key, Duration fallback) {
        Value v = value(section, key);
        if (v == null) {
            return fallback;
        }
        Matcher m = Pattern.compile("(\\d+)\\s*(s|ms|min)?").matcher(v.text());
        if (!m.matches()) {
            throw error(v.line(), key + " must be a duration like 10s, 500ms or 2min, not '" + v.text() + "'");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "min" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }

    private Path path(String text) {
        Path p = Path.of(text);
        Path dir = file.toAbsolutePath().getParent();
        return p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize();
    }

    private FastcopyException error(int line, String message) {
        return new FastcopyException(FastcopyException.USAGE, file + ":" + line + ": " + message);
    }

    private static Map<String, Boolean> keys(Object... pairs) {
        Map<String, Boolean> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (Boolean) pairs[i + 1]);
        }
        return m;
    }
}
