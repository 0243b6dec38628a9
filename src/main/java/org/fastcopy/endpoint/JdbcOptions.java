package org.fastcopy.endpoint;

import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Maps libpq settings in {@link Endpoint#options()} to PgJDBC connection properties, so a worker
 * connection behaves like the psql or pg_dump connection to the same endpoint. Settings the driver
 * has no equivalent for still reach child processes through {@link Connections#childEnvironment}.
 */
final class JdbcOptions {
    /** libpq keyword to PgJDBC property, for values both spell the same way. */
    private static final Map<String, String> SAME_VALUES = Map.of(
            "sslmode", "sslmode",
            "sslcert", "sslcert",
            "sslkey", "sslkey",
            "sslnegotiation", "sslNegotiation",
            "options", "options",
            "channel_binding", "channelBinding",
            "require_auth", "requireAuth",
            "gssencmode", "gssEncMode",
            "krbsrvname", "kerberosServerName",
            "gsslib", "gsslib");

    /**
     * Security settings the driver cannot honour: a certificate revocation list or a TLS version
     * floor silently dropped is a weaker connection than the user asked for, so it is said aloud.
     */
    private static final Set<String> UNSUPPORTED_SECURITY = Set.of(
            "sslcrl", "sslcrldir", "sslcertmode", "ssl_min_protocol_version", "ssl_max_protocol_version");

    /** Handled elsewhere (URL, application name) or with no effect on a single-host TCP connection. */
    private static final Set<String> NOT_FOR_JDBC = Set.of(
            "hostaddr", "application_name", "fallback_application_name", "client_encoding",
            "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
            "sslsni", "sslcompression", "requirepeer", "load_balance_hosts", "gssdelegation", "replication",
            "min_protocol_version", "max_protocol_version", "sslkeylogfile",
            "oauth_issuer", "oauth_client_id", "oauth_scope");

    private JdbcOptions() {
    }

    /**
     * @param unsupported told the keyword of each security setting the driver cannot honour
     */
    static void apply(Map<String, String> options, Properties props, Consumer<String> unsupported) {
        // libpq turns TCP keepalives on unless told otherwise; PgJDBC's default is off, and a
        // long COPY through a NAT or firewall needs them
        props.setProperty("tcpKeepAlive", String.valueOf(!"0".equals(options.get("keepalives"))));
        options.forEach((key, value) -> {
            String same = SAME_VALUES.get(key);
            if (same != null) {
                props.setProperty(same, value);
            } else if (key.equals("sslrootcert")) {
                sslRootCert(value, props);
            } else if (key.equals("connect_timeout")) {
                props.setProperty("connectTimeout", connectTimeout(value));
            } else if (key.equals("target_session_attrs")) {
                props.setProperty("targetServerType", targetServerType(value));
            } else if (UNSUPPORTED_SECURITY.contains(key)) {
                unsupported.accept(key);
            }
            // keepalives was handled above; NOT_FOR_JDBC needs nothing
        });
    }

    /** True for every keyword this class knows what to do with (tests keep the table complete). */
    static boolean covers(String keyword) {
        return SAME_VALUES.containsKey(keyword) || UNSUPPORTED_SECURITY.contains(keyword)
                || NOT_FOR_JDBC.contains(keyword) || Set.of("sslrootcert", "connect_timeout",
                "target_session_attrs", "keepalives").contains(keyword);
    }

    private static void sslRootCert(String value, Properties props) {
        if (value.equals("system")) {
            // libpq's "system" means the platform trust store; for Java that is the JVM's
            props.setProperty("sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory");
        } else {
            props.setProperty("sslrootcert", value);
        }
    }

    /** libpq: 0 or negative waits forever and 1 means 2; PgJDBC: 0 waits forever. */
    private static String connectTimeout(String value) {
        int seconds = Integer.parseInt(value.strip());
        return String.valueOf(seconds <= 0 ? 0 : Math.max(seconds, 2));
    }

    private static String targetServerType(String value) {
        return switch (value) {
            case "read-write", "primary" -> "primary";
            case "read-only", "standby" -> "secondary";
            case "prefer-standby" -> "preferSecondary";
            case "any" -> "any";
            default -> value; // the driver rejects it with a message naming the value
        };
    }
}
