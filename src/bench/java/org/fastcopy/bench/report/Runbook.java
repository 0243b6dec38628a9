package org.fastcopy.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The seed runbook's reconversion of the production database: step 6 ("Start the conversion
 * process", run-convert-all-ranges.sh) as its own log lines give it, from the first
 * {@code M/D H:MM - start} to the last {@code M/D H:MM - fin}. A figure from the runbook, not
 * measured here. The log has no year: a span that seems to end before it starts crossed New Year.
 */
record Runbook(Path file, String title, String first, String last, long minutes) {
    /** The runbook's step that converts v3 to flat. */
    static final String CONVERSION_STEP = "6";
    private static final Pattern STEP = Pattern.compile("^\\s*([0-9]+)\\)\\s*(.*)$");
    private static final Pattern TIME =
            Pattern.compile("^\\s*([0-9]{1,2})/([0-9]{1,2})\\s+([0-9]{1,2}):([0-9]{2})\\s+-\\s+(start|fin)\\b");

    static Runbook read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String title = null;
        Matcher first = null;
        Matcher last = null;
        boolean in = false;
        for (String line : lines) {
            Matcher step = STEP.matcher(line);
            if (step.matches()) {
                in = step.group(1).equals(CONVERSION_STEP);
                if (in) {
                    title = step.group(2).strip();
                }
                continue;
            }
            Matcher t = TIME.matcher(line);
            if (in && t.find()) {
                if (first == null && t.group(5).equals("start")) {
                    first = t;
                } else if (t.group(5).equals("fin")) {
                    last = t;
                }
            }
        }
        if (first == null || last == null) {
            throw new IllegalArgumentException(file + ": no step " + CONVERSION_STEP + ") with 'M/D H:MM - start'"
                    + " and 'M/D H:MM - fin' lines (the conversion's log)");
        }
        LocalDateTime from;
        LocalDateTime to;
        try {
            from = time(first);
            to = time(last);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(file + ": step " + CONVERSION_STEP + ") logs a time that is not a date: "
                    + e.getMessage());
        }
        if (to.isBefore(from)) {
            to = to.plusYears(1);
        }
        return new Runbook(file, title, shown(first), shown(last), Duration.between(from, to).toMinutes());
    }

    double hours() {
        return minutes / 60.0;
    }

    /** In a leap year, so that a 2/29 of the log is a date. */
    private static LocalDateTime time(Matcher m) {
        return LocalDateTime.of(2000, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)));
    }

    private static String shown(Matcher m) {
        return m.group(1) + "/" + m.group(2) + " " + m.group(3) + ":" + m.group(4);
    }
}
