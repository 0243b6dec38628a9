package org.fastcopy.roles;

import org.fastcopy.FastcopyException;
import org.fastcopy.schema.RestoreOptions;

/**
 * What a copy does about the roles its database names (owners, grantees, policy roles).
 *
 * @param create        create the roles the target lacks from the source's pg_dumpall --roles-only
 *                      (--roles); otherwise they are listed and the run refused before it starts
 * @param withPasswords and their passwords (--roles-with-passwords; reading them needs a superuser
 *                      on the source)
 * @param noOwner       leave ownership out (--no-owner): objects belong to the role that runs the copy
 * @param noPrivileges  leave GRANT/REVOKE and default privileges out (--no-privileges)
 */
public record RoleOptions(boolean create, boolean withPasswords, boolean noOwner, boolean noPrivileges) {
    /** Owners and privileges as the source has them; missing roles refuse the run. */
    public static final RoleOptions DEFAULT = new RoleOptions(false, false, false, false);

    public RoleOptions {
        if (withPasswords && !create) {
            throw new FastcopyException(FastcopyException.USAGE,
                    "--roles-with-passwords creates roles: use it instead of --roles, not without it");
        }
    }

    /** What pg_restore leaves out of the rendered schema. */
    public RestoreOptions restore() {
        return new RestoreOptions(noOwner, noPrivileges);
    }
}
