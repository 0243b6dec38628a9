package org.fastcopy.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * pg_restore's three passes within a section: privileges go after every object exists (a REVOKE
 * from the owner, or ALTER DEFAULT PRIVILEGES, would otherwise change what later items may do or
 * get), and event triggers last of all (they would fire on the restore's own DDL).
 */
enum RestorePass {
    MAIN, ACL, POST_ACL;

    private static final Set<String> ACL_TYPES = Set.of("ACL", "DEFAULT ACL", "ACL LANGUAGE");
    private static final Set<String> LAST_TYPES = Set.of("EVENT TRIGGER", "MATERIALIZED VIEW DATA");

    static RestorePass of(TocEntry e) {
        if (ACL_TYPES.contains(e.type())) {
            return ACL;
        }
        if (LAST_TYPES.contains(e.type())
                || e.type().equals("COMMENT") && e.name().startsWith("EVENT TRIGGER ")) {
            return POST_ACL;
        }
        return MAIN;
    }

    /** The countdown gate that stays closed while items of this pass run. */
    String gate() {
        return "pass:" + name();
    }

    /** The gates of every earlier pass. */
    List<Gate> after() {
        List<Gate> out = new ArrayList<>();
        for (RestorePass p : values()) {
            if (p.ordinal() < ordinal()) {
                out.add(Gate.countdown(p.gate()));
            }
        }
        return out;
    }
}
