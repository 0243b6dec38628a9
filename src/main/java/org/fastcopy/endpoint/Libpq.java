package org.fastcopy.endpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * libpq's connection keywords and the environment variable that supplies each one's default,
 * as listed in libpq's own option table (fe-connect.c, PostgreSQL 18). Service files, conninfo
 * strings and URI query parameters may only use these keywords, so a typo is reported instead of
 * silently ignored.
 */
final class Libpq {
    /** Secrets: refused wherever the user could write them into an endpoint (see {@link Endpoint}). */
    static final Set<String> SECRETS = Set.of(
            "password", "sslpassword", "oauth_client_secret", "scram_client_key", "scram_server_key");

    /**
     * Keywords that become {@link Endpoint} fields rather than {@link Endpoint#options()}; "service"
     * is consumed while resolving and "password" never gets this far.
     */
    static final Set<String> CORE = Set.of("host", "port", "user", "dbname", "passfile", "service", "password");

    static final int DEFAULT_PORT = 5432;

    private static final Map<String, String> ENV_BY_KEYWORD = table();

    private Libpq() {
    }

    private static Map<String, String> table() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("service", "PGSERVICE");
        m.put("user", "PGUSER");
        m.put("password", "PGPASSWORD");
        m.put("passfile", "PGPASSFILE");
        m.put("channel_binding", "PGCHANNELBINDING");
        m.put("connect_timeout", "PGCONNECT_TIMEOUT");
        m.put("dbname", "PGDATABASE");
        m.put("host", "PGHOST");
        m.put("hostaddr", "PGHOSTADDR");
        m.put("port", "PGPORT");
        m.put("client_encoding", "PGCLIENTENCODING");
        m.put("options", "PGOPTIONS");
        m.put("application_name", "PGAPPNAME");
        m.put("fallback_application_name", null);
        m.put("keepalives", null);
        m.put("keepalives_idle", null);
        m.put("keepalives_interval", null);
        m.put("keepalives_count", null);
        m.put("tcp_user_timeout", null);
        m.put("sslmode", "PGSSLMODE");
        m.put("sslnegotiation", "PGSSLNEGOTIATION");
        m.put("sslcompression", "PGSSLCOMPRESSION");
        m.put("sslcert", "PGSSLCERT");
        m.put("sslkey", "PGSSLKEY");
        m.put("sslcertmode", "PGSSLCERTMODE");
        m.put("sslpassword", null);
        m.put("sslrootcert", "PGSSLROOTCERT");
        m.put("sslcrl", "PGSSLCRL");
        m.put("sslcrldir", "PGSSLCRLDIR");
        m.put("sslsni", "PGSSLSNI");
        m.put("sslkeylogfile", null);
        m.put("requirepeer", "PGREQUIREPEER");
        m.put("require_auth", "PGREQUIREAUTH");
        m.put("ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION");
        m.put("ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION");
        m.put("min_protocol_version", "PGMINPROTOCOLVERSION");
        m.put("max_protocol_version", "PGMAXPROTOCOLVERSION");
        m.put("gssencmode", "PGGSSENCMODE");
        m.put("krbsrvname", "PGKRBSRVNAME");
        m.put("gsslib", "PGGSSLIB");
        m.put("gssdelegation", "PGGSSDELEGATION");
        m.put("replication", null);
        m.put("target_session_attrs", "PGTARGETSESSIONATTRS");
        m.put("load_balance_hosts", "PGLOADBALANCEHOSTS");
        m.put("oauth_issuer", null);
        m.put("oauth_client_id", null);
        m.put("oauth_client_secret", null);
        m.put("oauth_scope", null);
        m.put("scram_client_key", null);
        m.put("scram_server_key", null);
        return Collections.unmodifiableMap(m);
    }

    static boolean isKeyword(String key) {
        return ENV_BY_KEYWORD.containsKey(key);
    }

    /** The environment variable libpq reads for this keyword, or null when there is none. */
    static String envVar(String keyword) {
        return ENV_BY_KEYWORD.get(keyword);
    }

    /** Every keyword, in libpq's order. */
    static Set<String> keywords() {
        return ENV_BY_KEYWORD.keySet();
    }

    /**
     * Every variable libpq reads to choose a server or how to reach it, including the ones that are
     * not a keyword's default: a child process must not inherit any of these from us (see
     * {@link Connections#applyTo}).
     */
    static Set<String> connectionEnvVars() {
        Set<String> vars = new TreeSet<>();
        ENV_BY_KEYWORD.values().stream().filter(Objects::nonNull).forEach(vars::add);
        vars.add("PGSERVICEFILE");
        vars.add("PGREQUIRESSL");
        return vars;
    }
}
