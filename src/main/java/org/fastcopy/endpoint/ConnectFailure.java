package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;
import org.fastcopy.pg.ServerError;
import org.fastcopy.pg.SqlStates;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import javax.net.ssl.SSLException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns a failed connection attempt into one line the user can act on:
 * {@code cannot connect to flux1 (mtt@flux1.example.org:5432/mttv3): connection refused}.
 * The endpoint is named by {@link Endpoint#toString()}, which holds no password; the SQLException
 * stays the cause, so its SQLState reaches debug logs.
 */
final class ConnectFailure {
    /** PostgreSQL's English text; on a server with other lc_messages the generic branch quotes it. */
    private static final Pattern NO_SUCH_ROLE = Pattern.compile("role \".*\" does not exist");

    private ConnectFailure() {
    }

    /**
     * @param passwordSource where the password came from ("PGPASSWORD" or the password file), or
     *                       null when none was found
     */
    static FastcopyException translate(Endpoint ep, SQLException e, String passwordSource) {
        String reason = reason(ep, e, passwordSource);
        return new FastcopyException(FastcopyException.CONNECTION, "cannot connect to " + ep + ": " + reason, e);
    }

    private static String reason(Endpoint ep, SQLException e, String passwordSource) {
        String network = network(ep, e);
        if (network != null) {
            return network;
        }
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String server = serverMessage(e);
        // SqlStates' names are not compile-time constants, so an if chain rather than a switch.
        if (state.equals(SqlStates.INVALID_PASSWORD)) {
            return "password authentication failed for user '" + ep.user() + "' " + passwordHint(ep, passwordSource);
        }
        if (state.equals(SqlStates.INVALID_AUTHORIZATION_SPECIFICATION)) {
            if (NO_SUCH_ROLE.matcher(server).find()) {
                return "role '" + ep.user() + "' does not exist";
            }
            return "the server refused the login: " + server + " (check pg_hba.conf on the server; passwords are "
                    + "read from PGPASSWORD or " + passfileName(ep) + ")";
        }
        if (state.equals(SqlStates.INVALID_CATALOG_NAME)) {
            // no database means libpq's default, the user name
            return "database '" + (ep.database() == null ? ep.user() : ep.database()) + "' does not exist";
        }
        if (state.equals(SqlStates.TOO_MANY_CONNECTIONS)) {
            return "the server has no free connection slots: " + server;
        }
        if (state.equals(SqlStates.CANNOT_CONNECT_NOW)) {
            return "the server is not accepting connections: " + server;
        }
        if (passwordSource == null && noPasswordForServer(state, e.getMessage())) {
            return noPassword(ep);
        }
        String sslmode = ep.options().get("sslmode");
        if (state.equals(SqlStates.CONNECTION_REJECTED) && String.valueOf(e.getMessage()).contains("SSL") && sslmode != null
                && sslmode.matches("require|verify-ca|verify-full")) {
            return "the server does not accept TLS connections, and sslmode=" + sslmode + " requires one";
        }
        return oneLine(e.getMessage()) + ServerError.sqlState(e);
    }

    /**
     * The driver's "server requested ... authentication, but no password was provided" (08004),
     * worded differently for SCRAM, MD5 and our {@link NoPasswordPlugin}; matched on the driver's
     * English text, so under another JVM locale the driver's own message is shown instead.
     */
    private static boolean noPasswordForServer(String state, String message) {
        String m = String.valueOf(message);
        return state.equals(SqlStates.CONNECTION_REJECTED) && (m.contains("no password was provided") || m.contains(NoPasswordPlugin.class.getName()));
    }

    /** Failures below PostgreSQL's protocol: the cause chain says what the network did. */
    private static String network(Endpoint ep, SQLException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException) {
                return "unknown host '" + ep.host() + "'";
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
            if (t instanceof ConnectException) {
                String m = String.valueOf(t.getMessage()).toLowerCase();
                return m.contains("timed out") ? "connection timed out" : "connection refused";
            }
            if (t instanceof SocketTimeoutException) {
                String timeout = ep.options().get("connect_timeout");
                return "connection timed out" + (timeout == null ? "" : " after " + timeout + " s (connect_timeout)");
            }
            if (t instanceof SSLException) {
                return "TLS handshake failed: " + oneLine(t.getMessage());
            }
        }
        return null;
    }

    private static String noPassword(Endpoint ep) {
        String file = passfileName(ep);
        Optional<String> unsafe = ep.passfile() == null ? Optional.empty() : new PgPass(ep.passfile()).unsafeReason();
        if (unsafe.isPresent()) {
            return "the server asks for a password, and the password file " + file + " was ignored because it "
                    + unsafe.get();
        }
        return "the server asks for a password and none was found in PGPASSWORD or " + file + ": add a line "
                + ep.host() + ":" + ep.port() + ":" + (ep.database() == null ? "*" : ep.database()) + ":" + ep.user()
                + ":<password> to it (chmod 0600), or point PGPASSFILE at your password file";
    }

    private static String passwordHint(Endpoint ep, String source) {
        if ("PGPASSWORD".equals(source)) {
            return "(the password came from PGPASSWORD; unset it to use ~/.pgpass or PGPASSFILE instead)";
        }
        if (source != null) {
            return "(the password came from " + source + ": check its line for host " + ep.host() + ", port "
                    + ep.port() + ", database " + ep.database() + " and user " + ep.user()
                    + ", or point PGPASSFILE at the right file)";
        }
        return "(no password was found in PGPASSWORD or " + passfileName(ep) + ")";
    }

    private static String passfileName(Endpoint ep) {
        Path f = ep.passfile();
        return f == null ? "~/.pgpass" : f.toString();
    }

    private static String serverMessage(SQLException e) {
        if (e instanceof PSQLException pe) {
            ServerErrorMessage sem = pe.getServerErrorMessage();
            if (sem != null && sem.getMessage() != null) {
                return oneLine(sem.getMessage());
            }
        }
        return oneLine(e.getMessage());
    }

    /** Messages from the driver and server can span lines (DETAIL, HINT); the user gets one. */
    static String oneLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
