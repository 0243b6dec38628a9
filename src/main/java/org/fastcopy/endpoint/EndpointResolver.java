package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns what the user typed for a source or target into an {@link Endpoint}, by libpq's rules, so
 * that a name means the same server to fastcopy as it does to psql and pg_dump. A spec is tried as:
 * <ol>
 *   <li>a {@code postgresql://} or {@code postgres://} URI;</li>
 *   <li>a keyword/value connection string (anything holding '=', as libpq decides);</li>
 *   <li>a service name: {@code [name]} in the extra service files (conf/hosts.conf,
 *       --hosts-file), then PGSERVICEFILE or ~/.pg_service.conf, then PGSYSCONFDIR/pg_service.conf;
 *       the first file holding the section wins;</li>
 *   <li>a host name or IP address.</li>
 * </ol>
 * Settings are then filled in libpq's order: what the spec says, then its service (also
 * {@code service=} in a connection string, or PGSERVICE), then PG* environment variables, then
 * the defaults (port 5432, the OS user, database named after the user).
 *
 * <p>A password anywhere in a spec or service file is refused: the endpoint travels through logs,
 * reports and child command lines, so passwords come only from PGPASSWORD or the password file.
 */
public final class EndpointResolver {
    private static final Logger log = LoggerFactory.getLogger(EndpointResolver.class);

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");
    private static final Pattern IPV6 = Pattern.compile("\\[?([0-9A-Fa-f]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9._-]+)?)]?");
    private static final Set<String> SSL_MODES =
            Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    private final Map<String, String> env;
    private final Path home;
    private final List<Path> extraServiceFiles;
    private final List<Path> fallbackServiceFiles;
    private final String osUser;

    /**
     * @param env               environment variables (PG*)
     * @param home              the user's home directory, for ~/.pg_service.conf and ~/.pgpass; may be null
     * @param extraServiceFiles service files searched first, in order (conf/hosts.conf, --hosts-file);
     *                          missing ones are skipped, like libpq's
     */
    public EndpointResolver(Map<String, String> env, Path home, List<Path> extraServiceFiles) {
        this(env, home, extraServiceFiles, System.getProperty("user.name"));
    }

    /** As above with the OS user name libpq would use when nothing else names the role. */
    public EndpointResolver(Map<String, String> env, Path home, List<Path> extraServiceFiles, String osUser) {
        this(env, home, extraServiceFiles, List.of(), osUser);
    }

    /**
     * @param fallbackServiceFiles searched after libpq's own files: fastcopy's shipped example
     *                             (conf/hosts.conf) must not shadow the user's PGSERVICEFILE
     */
    public EndpointResolver(Map<String, String> env, Path home, List<Path> extraServiceFiles,
                            List<Path> fallbackServiceFiles, String osUser) {
        this.env = Map.copyOf(env);
        this.home = home;
        this.extraServiceFiles = List.copyOf(extraServiceFiles);
        this.fallbackServiceFiles = List.copyOf(fallbackServiceFiles);
        this.osUser = osUser;
    }

    /** The process environment and home directory ($HOME first, as libpq does). */
    public static EndpointResolver fromSystem(List<Path> extraServiceFiles) {
        return fromSystem(extraServiceFiles, List.of());
    }

    /** As above, with files searched after libpq's own. */
    public static EndpointResolver fromSystem(List<Path> extraServiceFiles, List<Path> fallbackServiceFiles) {
        String homeEnv = System.getenv("HOME");
        Path home = homeEnv != null && !homeEnv.isEmpty() ? Path.of(homeEnv) : Path.of(System.getProperty("user.home"));
        return new EndpointResolver(System.getenv(), home, extraServiceFiles, fallbackServiceFiles,
                System.getProperty("user.name"));
    }

    /** Service files in search order, whether or not they exist. */
    public List<Path> serviceFiles() {
        List<Path> files = new ArrayList<>(extraServiceFiles);
        String userFile = env("PGSERVICEFILE");
        if (userFile != null) {
            files.add(Path.of(userFile));
        } else if (home != null) {
            files.add(home.resolve(".pg_service.conf"));
        }
        String sysconf = env("PGSYSCONFDIR");
        if (sysconf != null) {
            files.add(Path.of(sysconf, "pg_service.conf"));
        }
        files.addAll(fallbackServiceFiles);
        return files;
    }

    /** @throws FastcopyException (USAGE) naming what is wrong with the spec or a file it led to */
    public Endpoint resolve(String spec) {
        String name = spec == null ? "" : spec.strip();
        Endpoint ep = build(name, settings(name));
        log.debug("endpoint {} resolved: options {}, passfile {}", ep, ep.sortedOptions(), ep.passfile());
        return ep;
    }

    /** Where an endpoint's database name came from. */
    public enum DatabaseOrigin {
        /** The spec itself: a URI's path or a connection string's dbname=. */
        TYPED,
        /** The service the spec names (its dbname=). */
        SERVICE,
        /** Nothing named it: PGDATABASE or libpq's default, the user name. */
        DEFAULT
    }

    /**
     * Where {@link #resolve}'s database for {@code spec} comes from, so a command can tell a database
     * the user typed (which it must honour or refuse, never ignore) from a default it may replace.
     */
    public DatabaseOrigin databaseOrigin(String spec) {
        Settings s = settings(spec == null ? "" : spec.strip());
        if (s.value("dbname") == null) {
            return DatabaseOrigin.DEFAULT;
        }
        String origin = s.origin("dbname");
        return switch (origin) {
            case TYPED_URI, TYPED_CONNINFO -> DatabaseOrigin.TYPED;
            case "PGDATABASE" -> DatabaseOrigin.DEFAULT;
            default -> DatabaseOrigin.SERVICE;
        };
    }

    private static final String TYPED_URI = "the URI";
    private static final String TYPED_CONNINFO = "the connection string";

    private Settings settings(String name) {
        if (name.isEmpty()) {
            throw new FastcopyException(FastcopyException.USAGE, "empty endpoint name");
        }
        Settings settings = new Settings();
        if (ConnUri.isUri(name)) {
            settings.putAll(ConnUri.parse(name), TYPED_URI);
        } else if (name.indexOf('=') >= 0) {
            Map<String, String> parsed = ConnInfo.parse(name);
            for (String key : parsed.keySet()) {
                if (Libpq.SECRETS.contains(key)) {
                    throw passwordRefused(TYPED_CONNINFO);
                }
            }
            settings.putAll(parsed, TYPED_CONNINFO);
        } else {
            Optional<ServiceFile.Section> service = findService(name);
            if (service.isPresent()) {
                settings.applyService(service.get());
            } else {
                settings.put("host", hostName(name), "the endpoint");
            }
        }
        applyNamedService(name, settings);
        applyEnvironment(settings);
        return settings;
    }

    /** The message for a password found where fastcopy will not take one; never quotes it. */
    static FastcopyException passwordRefused(String where) {
        return new FastcopyException(FastcopyException.USAGE, where + " holds a password, which fastcopy refuses"
                + " (it would leak into process lists, shell history and logs): put it in ~/.pgpass"
                + " or in the file named by PGPASSFILE");
    }

    private String hostName(String name) {
        if (HOST_NAME.matcher(name).matches()) {
            return name;
        }
        var v6 = IPV6.matcher(name);
        if (v6.matches()) {
            return v6.group(1);
        }
        String files = serviceFiles().stream().map(Path::toString).collect(Collectors.joining(", "));
        throw new FastcopyException(FastcopyException.USAGE, "unknown endpoint '" + name + "': not a service in "
                + (files.isEmpty() ? "any service file" : files) + ", a postgresql:// URI or a host name");
    }

    private Optional<ServiceFile.Section> findService(String service) {
        for (Path file : serviceFiles()) {
            Optional<ServiceFile.Section> s = ServiceFile.find(file, service);
            if (s.isPresent()) {
                return s;
            }
        }
        return Optional.empty();
    }

    /** {@code service=} in the spec, else PGSERVICE; a name that is not defined is an error, as in libpq. */
    private void applyNamedService(String name, Settings settings) {
        if (settings.applied != null) {
            return;
        }
        String service = settings.value("service");
        String origin = service == null ? "PGSERVICE" : settings.origin("service");
        if (service == null) {
            service = env("PGSERVICE");
        }
        if (service == null) {
            return;
        }
        String svc = service;
        ServiceFile.Section section = findService(svc).orElseThrow(() -> new FastcopyException(
                FastcopyException.USAGE, "endpoint '" + name + "': service '" + svc + "' (from " + origin
                + ") is not defined in " + serviceFiles().stream().map(Path::toString)
                .collect(Collectors.joining(", "))));
        settings.applyService(section);
    }

    private void applyEnvironment(Settings settings) {
        for (String keyword : Libpq.keywords()) {
            String var = Libpq.envVar(keyword);
            // PGPASSWORD is read at connect time and never stored; PGSERVICE was handled above
            if (var == null || keyword.equals("password") || keyword.equals("service")) {
                continue;
            }
            String value = env(var);
            if (value != null) {
                settings.putIfAbsent(keyword, value, var);
            }
        }
        String requireSsl = env("PGREQUIRESSL");
        if (requireSsl != null && requireSsl.startsWith("1")) {
            settings.putIfAbsent("sslmode", "require", "PGREQUIRESSL");
        }
        if ("system".equals(settings.value("sslrootcert"))) {
            // libpq: trusting the system CA store only makes sense with host name checks
            settings.putIfAbsent("sslmode", "verify-full", "sslrootcert=system");
        }
    }

    private Endpoint build(String name, Settings s) {
        String host = s.value("host") != null ? s.value("host") : s.value("hostaddr");
        if (host == null) {
            // libpq would use its Unix socket here; the JDBC driver only speaks TCP
            host = "localhost";
        }
        if (host.contains(",")) {
            throw invalid(name, "host '" + host + "' (from " + s.origin("host") + ") lists several servers;"
                    + " an endpoint is exactly one server");
        }
        int port = port(name, s);
        String user = s.value("user") != null ? s.value("user") : osUser;
        if (user == null || user.isEmpty()) {
            throw invalid(name, "no user name: set user= or PGUSER");
        }
        String database = s.value("dbname") != null ? s.value("dbname") : user;
        Path passfile = s.value("passfile") != null ? Path.of(s.value("passfile"))
                : home == null ? null : home.resolve(".pgpass");
        checkOptions(name, s);
        Map<String, String> options = new TreeMap<>();
        s.values.forEach((k, v) -> {
            if (!Libpq.CORE.contains(k) && !v.value().isEmpty()) {
                options.put(k, v.value());
            }
        });
        return new Endpoint(name, host, port, user, database, passfile, options);
    }

    private static int port(String name, Settings s) {
        String text = s.value("port");
        if (text == null) {
            return Libpq.DEFAULT_PORT;
        }
        try {
            int port = Integer.parseInt(text.strip());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(name, "port '" + text + "' (from " + s.origin("port") + ") is not a number from 1 to 65535");
    }

    /** Checks the settings that would otherwise fail late, deep inside the driver or pg_dump. */
    private static void checkOptions(String name, Settings s) {
        String sslmode = s.value("sslmode");
        if (sslmode != null && !SSL_MODES.contains(sslmode)) {
            throw invalid(name, "sslmode '" + sslmode + "' (from " + s.origin("sslmode") + ") is not one of "
                    + String.join(", ", new TreeSet<>(SSL_MODES)));
        }
        String timeout = s.value("connect_timeout");
        if (timeout != null && !timeout.strip().matches("-?\\d{1,9}")) {
            throw invalid(name, "connect_timeout '" + timeout + "' (from " + s.origin("connect_timeout")
                    + ") is not a number of seconds");
        }
    }

    private static FastcopyException invalid(String name, String what) {
        return new FastcopyException(FastcopyException.USAGE, "endpoint '" + name + "': " + what);
    }

    /** An environment variable, with empty meaning unset. */
    private String env(String var) {
        String v = env.get(var);
        return v == null || v.isEmpty() ? null : v;
    }

    /** Keyword values with where each came from, for messages; the first writer wins. */
    private static final class Settings {
        record Setting(String value, String origin) {
        }

        final Map<String, Setting> values = new LinkedHashMap<>();
        ServiceFile.Section applied;

        void put(String key, String value, String origin) {
            values.put(key, new Setting(value, origin));
        }

        void putIfAbsent(String key, String value, String origin) {
            values.putIfAbsent(key, new Setting(value, origin));
        }

        void putAll(Map<String, String> parsed, String origin) {
            parsed.forEach((k, v) -> put(k, v, origin));
        }

        void applyService(ServiceFile.Section section) {
            applied = section;
            section.entries().forEach((k, e) -> putIfAbsent(k, e.value(), section.origin(k)));
        }

        String value(String key) {
            Setting s = values.get(key);
            return s == null || s.value().isEmpty() ? null : s.value();
        }

        String origin(String key) {
            Setting s = values.get(key);
            return s == null ? "default" : s.origin();
        }
    }
}
