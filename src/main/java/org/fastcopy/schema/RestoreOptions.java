package org.fastcopy.schema;

import java.util.ArrayList;
import java.util.List;

/**
 * What pg_restore leaves out when it renders the schema, for targets that cannot take everything
 * the source has (the roles do not exist there, or the user may not grant).
 *
 * @param noOwner      no ALTER ... OWNER TO: objects belong to whoever runs the restore
 * @param noPrivileges no GRANT / REVOKE / ALTER DEFAULT PRIVILEGES
 */
public record RestoreOptions(boolean noOwner, boolean noPrivileges) {
    /** Everything the source has, owners and privileges included. */
    public static final RestoreOptions FULL = new RestoreOptions(false, false);

    List<String> arguments() {
        List<String> args = new ArrayList<>();
        if (noOwner) {
            args.add("--no-owner");
        }
        if (noPrivileges) {
            args.add("--no-privileges");
        }
        return args;
    }
}
