package org.fastcopy.endpoint;

import org.postgresql.plugin.AuthenticationPlugin;
import org.postgresql.plugin.AuthenticationRequestType;

/**
 * Tells PgJDBC "there is no password" when neither PGPASSWORD nor the password file gave one.
 *
 * <p>Why it exists: without a password property PgJDBC reads ~/.pgpass (or PGPASSFILE) itself, by
 * looser rules than libpq's: it would use a group-readable file that {@link PgPass} just refused, and
 * ignore a passfile= setting. Installing this plugin makes fastcopy's lookup the only one. A server
 * that then asks for a password gets the driver's "no password was provided" (SQLState 08004),
 * which {@link ConnectFailure} turns into a message naming the password file to fix.
 */
public final class NoPasswordPlugin implements AuthenticationPlugin {
    /** PgJDBC instantiates the plugin by class name. */
    public NoPasswordPlugin() {
    }

    @Override
    public char[] getPassword(AuthenticationRequestType type) {
        return null;
    }
}
