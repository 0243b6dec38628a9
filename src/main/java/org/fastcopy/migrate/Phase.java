package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** The migration's phases, numbered as the operator names them on the command line (--only, --from). */
public enum Phase {
    COPY_TO_FLUX2(1, "copy-to-flux2", "1a-1c", "copy v3 and flat from flux1 to flux2 (dropped first)"),
    REPOINT_TO_FLUX2(2, "repoint-to-flux2", "2", "check flux2, then point the service conf at it"),
    REFRESH_V3(3, "refresh-v3", "3-4", "stream v3 from production onto flux1 (dropped first)"),
    CONVERT(4, "convert", "5-6", "set up flat on flux1 and convert v3 with auto ranges"),
    VERIFY(5, "verify", "-", "compare flat with v3 on flux1: counts per table and per month"),
    REPOINT_TO_FLUX1(6, "repoint-to-flux1", "7", "check flux1, then point the service conf back at it"),
    DROP_FLUX2_COPIES(7, "drop-flux2-copies", "8", "drop the copies on flux2 (if the plan says so)"),
    WATERMARK(8, "watermark", "9", "record the newest start_timestamp for the next incremental run");

    public final int number;
    public final String slug;
    /** The runbook step(s) this phase replaces. */
    public final String runbookSteps;
    public final String summary;

    Phase(int number, String slug, String runbookSteps, String summary) {
        this.number = number;
        this.slug = slug;
        this.runbookSteps = runbookSteps;
        this.summary = summary;
    }

    public String label() {
        return number + " " + slug;
    }

    public static Phase of(int number) {
        for (Phase p : values()) {
            if (p.number == number) {
                return p;
            }
        }
        throw new FastcopyException(FastcopyException.USAGE, "no phase " + number + " (phases are 1-" + values().length + ")");
    }

    /**
     * The phases --only and --from select (all when both are null), in running order.
     *
     * @throws FastcopyException (USAGE) one line naming the option and the bad value
     */
    public static List<Phase> select(String only, String from) {
        if (only != null && from != null) {
            throw new FastcopyException(FastcopyException.USAGE, "--only and --from contradict each other: give one");
        }
        if (from != null) {
            Phase first = parse(from, "--from");
            List<Phase> out = new ArrayList<>();
            for (Phase p : values()) {
                if (p.number >= first.number) {
                    out.add(p);
                }
            }
            return out;
        }
        if (only == null) {
            return List.of(values());
        }
        TreeSet<Phase> chosen = new TreeSet<>();
        for (String part : only.split(",", -1)) {
            chosen.add(parse(part, "--only"));
        }
        return List.copyOf(chosen);
    }

    private static Phase parse(String text, String option) {
        String t = text.strip();
        for (Phase p : values()) {
            if (p.slug.equalsIgnoreCase(t)) {
                return p;
            }
        }
        try {
            int n = Integer.parseInt(t);
            if (n >= 1 && n <= values().length) {
                return of(n);
            }
        } catch (NumberFormatException e) {
            // falls through to the one-line error below
        }
        throw new FastcopyException(FastcopyException.USAGE, option + ": unknown phase '" + t + "' (phases are 1-"
                + values().length + " or their names: " + String.join(", ", slugs()) + ")");
    }

    private static List<String> slugs() {
        List<String> s = new ArrayList<>();
        for (Phase p : values()) {
            s.add(p.slug);
        }
        return s;
    }
}
