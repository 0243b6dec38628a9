package org.fastcopy.follow;

import org.fastcopy.FastcopyException;
import org.fastcopy.copy.CopySpec;

import java.time.Duration;
import java.util.Locale;

/**
 * What one following run needs besides the copy's own spec, validated before anything connects.
 *
 * @param copy        the copy that runs first in the slot's snapshot (one database; the ledger is kept)
 * @param slotName    the logical replication slot on the source
 * @param insertOnly  follow tables without a key or replica identity for their INSERTs only
 * @param keepSlot    leave the slot and the publications on the source at cutover
 * @param statusEvery how often the follower confirms and reports lag while idle
 */
public record FollowSpec(CopySpec copy, String slotName, boolean insertOnly, boolean keepSlot, Duration statusEvery) {
    /** Longest slot name the server takes (NAMEDATALEN - 1). */
    private static final int MAX_NAME = 63;

    public FollowSpec {
        if (copy.databases().size() != 1) {
            throw usage("--follow follows one database; --db names " + copy.databases().size());
        }
        if (copy.dryRun()) {
            throw usage("--follow and --dry-run contradict each other: a dry run creates no slot");
        }
        if (slotName == null) {
            slotName = defaultSlotName(copy.databases().get(0));
        }
        if (!slotName.matches("[a-z0-9_]{1," + MAX_NAME + "}")) {
            throw usage("--slot-name '" + slotName + "' must be 1 to " + MAX_NAME
                    + " characters of lower-case letters, digits and underscores (the server's rule for slot names)");
        }
    }

    /** The database followed. */
    public String database() {
        return copy.databases().get(0);
    }

    /** The publication of the tables followed with every change. */
    public String publication() {
        return slotName;
    }

    /**
     * The publication of tables without a key or replica identity, followed for INSERTs only
     * (with --follow-insert-only). A table in a publication that publishes UPDATE or DELETE and has
     * no replica identity makes those statements FAIL on the source: production would break, so
     * such tables get a publication of their own that publishes inserts only.
     */
    public String insertOnlyPublication() {
        return insertOnlyPublication(slotName);
    }

    /** The insert-only publication that goes with slot {@code slot}. */
    public static String insertOnlyPublication(String slot) {
        return (slot.length() > MAX_NAME - 7 ? slot.substring(0, MAX_NAME - 7) : slot) + "_insert";
    }

    /** fastcopy_ and the database name folded to what a slot name may hold, at most 63 characters. */
    public static String defaultSlotName(String database) {
        String folded = database.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String name = "fastcopy_" + folded;
        return name.length() > MAX_NAME ? name.substring(0, MAX_NAME) : name;
    }

    private static FastcopyException usage(String message) {
        return new FastcopyException(FastcopyException.USAGE, message);
    }
}
