package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens connections to an {@link Endpoint}: single JDBC connections (each worker owns one for its
 * life; docs/decisions.md says why there is no pool), and the environment for pg_dump,
 * pg_restore and psql child processes.
 *
 * <p>The password is looked up at each connect: PGPASSWORD from the environment this was built
 * with, else the endpoint's password file ({@link PgPass}). It travels only inside driver
 * properties and child environments, never on a command line, in a URL or in a message.
 */
public final class Connections {
    private static final Logger log = LoggerFactory.getLogger(Connections.class);

    /** Used directly rather than through DriverManager, whose registry depends on the class loader. */
    private static final Driver DRIVER = new Driver();

    private final Map<String, String> env;
    private final Set<String> warnedOptions = ConcurrentHashMap.newKeySet();

    /** @param env the environment consulted for PGPASSWORD, and passed on to child processes */
    public Connections(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public static Connections fromSystem() {
        return new Connections(System.getenv());
    }

    /** {@code jdbc:postgresql://host:port/db}; a database name that needs it is URL-encoded. */
    public String jdbcUrl(Endpoint ep) {
        String host = ep.options().getOrDefault("hostaddr", ep.host());
        if (host.startsWith("/") || host.startsWith("@")) {
            throw new FastcopyException(FastcopyException.USAGE, "endpoint " + ep + ": host '" + host
                    + "' is a Unix-socket directory, and the JDBC driver connects over TCP only: use host=localhost");
        }
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]"; // IPv6 literal
        }
        // PgJDBC URL-decodes the path (URLDecoder), so encode with its inverse
        String db = ep.database() == null ? "" : URLEncoder.encode(ep.database(), StandardCharsets.UTF_8);
        return "jdbc:postgresql://" + host + ":" + ep.port() + "/" + db;
    }

    /**
     * Driver properties for this endpoint. Hazard: holds the password when one was found, so it
     * must never be logged or put in a message.
     *
     * @param applicationName shown in pg_stat_activity unless the endpoint sets application_name
     */
    public Properties jdbcProperties(Endpoint ep, String applicationName) {
        return properties(ep, applicationName, password(ep));
    }

    /**
     * One connection, autocommit on.
     *
     * @throws FastcopyException (CONNECTION) with one line naming the endpoint and what went wrong
     */
    public Connection open(Endpoint ep, String applicationName) {
        return open(ep, applicationName, Map.of());
    }

    /**
     * One connection, autocommit on, with driver settings of the caller's own (e.g.
     * {@code preferQueryMode=simple}) over the endpoint's.
     *
     * @throws FastcopyException (CONNECTION) with one line naming the endpoint and what went wrong
     */
    public Connection open(Endpoint ep, String applicationName, Map<String, String> driverSettings) {
        Password pw = password(ep);
        Properties props = properties(ep, applicationName, pw);
        driverSettings.forEach(props::setProperty);
        String url = jdbcUrl(ep);
        try {
            Connection c = DRIVER.connect(url, props);
            if (c == null) {
                throw new IllegalStateException("PgJDBC did not accept " + url);
            }
            return OpenConnections.track(c);
        } catch (SQLException e) {
            throw ConnectFailure.translate(ep, e, pw.source());
        }
    }

    /**
     * The libpq environment for a pg_dump, pg_restore or psql child: PGHOST, PGPORT, PGUSER,
     * PGDATABASE, PGPASSFILE, every option that has a PG* variable (PGSSLMODE, PGSSLROOTCERT,
     * PGAPPNAME, ...), and PGPASSWORD only when our own environment has it. Options without a
     * variable (keepalives, tcp_user_timeout, fallback_application_name) cannot be passed this way.
     */
    public Map<String, String> childEnvironment(Endpoint ep) {
        Map<String, String> m = new TreeMap<>();
        m.put("PGHOST", ep.host());
        m.put("PGPORT", Integer.toString(ep.port()));
        m.put("PGUSER", ep.user());
        if (ep.database() != null) {
            m.put("PGDATABASE", ep.database());
        }
        if (ep.passfile() != null) {
            // absolute: the child may run in another working directory
            m.put("PGPASSFILE", ep.passfile().toAbsolutePath().toString());
        }
        String password = env.get("PGPASSWORD");
        if (password != null && !password.isEmpty()) {
            m.put("PGPASSWORD", password);
        }
        ep.options().forEach((key, value) -> {
            String var = Libpq.envVar(key);
            if (var != null) {
                m.put(var, value);
            }
        });
        return m;
    }

    /**
     * Sets up a child's environment: first removes every inherited libpq connection variable, then
     * adds {@link #childEnvironment}. Why remove: an inherited PGSERVICE or PGHOSTADDR would
     * override or redirect what the endpoint says, and the child would dump a different server.
     */
    public void applyTo(ProcessBuilder pb, Endpoint ep) {
        Map<String, String> childEnv = pb.environment();
        childEnv.keySet().removeAll(Libpq.connectionEnvVars());
        childEnv.putAll(childEnvironment(ep));
    }

    private Properties properties(Endpoint ep, String applicationName, Password pw) {
        Properties props = new Properties();
        props.setProperty("user", ep.user());
        if (pw.value() != null) {
            props.setProperty("password", pw.value());
        } else {
            props.setProperty("authenticationPluginClassName", NoPasswordPlugin.class.getName());
        }
        props.setProperty("ApplicationName", applicationName(ep, applicationName));
        JdbcOptions.apply(ep.options(), props, key -> {
            if (warnedOptions.add(key)) {
                log.warn("{} is set for {} and honoured by pg_dump and psql, but the JDBC driver has no such setting",
                        key, ep);
            }
        });
        return props;
    }

    /** libpq's precedence: the user's application_name, then the program's name, then a fallback. */
    private static String applicationName(Endpoint ep, String program) {
        String name = ep.options().get("application_name");
        if (name == null) {
            name = program;
        }
        if (name == null) {
            name = ep.options().getOrDefault("fallback_application_name", "fastcopy");
        }
        return name;
    }

    private Password password(Endpoint ep) {
        String fromEnv = env.get("PGPASSWORD");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return new Password(fromEnv, "PGPASSWORD");
        }
        Optional<String> fromFile = PgPass.lookup(ep);
        return fromFile.map(p -> new Password(p, ep.passfile().toString())).orElse(new Password(null, null));
    }

    /** A password and where it came from, for the message when the server rejects it. */
    private record Password(String value, String source) {
        @Override
        public String toString() {
            return "Password[source=" + source + "]"; // never the value
        }
    }
}
