package org.fastcopy.endpoint;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Where a server is and who we are on it, resolved by libpq's rules ({@link EndpointResolver}).
 * Immutable. It never holds a password: the password is looked up at connect time from
 * PGPASSWORD or the password file, so it cannot leak through toString(), logs or reports.
 *
 * @param name     what the user typed (service name, URI, host), used in messages
 * @param host     host name or address
 * @param port     TCP port
 * @param user     role name
 * @param database database name; may be null when the command supplies it (--db)
 * @param passfile the password file to consult (PGPASSFILE or ~/.pgpass); may be null
 * @param options  further libpq settings passed through to every connection and to pg_dump
 *                 (sslmode, sslrootcert, application_name, connect_timeout, ...)
 */
public record Endpoint(String name, String host, int port, String user, String database,
                       Path passfile, Map<String, String> options) {

    public Endpoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        options = Map.copyOf(options == null ? Map.of() : options);
    }

    /** The same server and role, another database. */
    public Endpoint withDatabase(String db) {
        return new Endpoint(name, host, port, user, db, passfile, options);
    }

    /** For messages: name (user@host:port/db), never a password. */
    @Override
    public String toString() {
        return name + " (" + user + "@" + host + ":" + port + (database == null ? "" : "/" + database) + ")";
    }

    /** Options sorted, for stable output. */
    public Map<String, String> sortedOptions() {
        return new TreeMap<>(options);
    }
}
