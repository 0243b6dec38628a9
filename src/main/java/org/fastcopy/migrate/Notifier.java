package org.fastcopy.migrate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The runbook's pushover hook, generalised: runs the operator's command through {@code /bin/sh -c}
 * on each phase event, with the details in its environment. A notification is a courtesy: it may
 * fail or hang, and the migration goes on (a warning is logged; a command still running after the
 * timeout is killed). The child never sees a password: PGPASSWORD is removed from its
 * environment, and no variable carries an endpoint's secrets (endpoints hold none).
 */
public final class Notifier {
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    /** What happened to a phase. */
    public enum Event {
        START, END, FAIL, SKIP;

        String env() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final String command;
    private final Duration timeout;
    private final Map<String, String> fixed;
    private final Map<String, String> base;

    /**
     * @param command the shell command; null or empty for none
     * @param fixed   variables every notification gets (run id, plan)
     */
    public Notifier(String command, Duration timeout, Map<String, String> fixed) {
        this(command, timeout, fixed, System.getenv());
    }

    /** @param base the environment the command inherits (the process's own), before PGPASSWORD is removed */
    Notifier(String command, Duration timeout, Map<String, String> fixed, Map<String, String> base) {
        this.command = command == null || command.isBlank() ? null : command;
        this.timeout = timeout;
        this.fixed = Map.copyOf(fixed);
        this.base = Map.copyOf(base);
    }

    /** Returns whether the command ran and exited 0 within the timeout (false also when there is none). */
    public boolean send(Phase phase, Event event, double elapsedSeconds, String error) {
        if (command == null) {
            return false;
        }
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command);
        Map<String, String> env = pb.environment();
        env.clear();
        env.putAll(base);
        env.remove("PGPASSWORD");
        env.putAll(fixed);
        env.put("FASTCOPY_PHASE", String.valueOf(phase.number));
        env.put("FASTCOPY_PHASE_NAME", phase.slug);
        env.put("FASTCOPY_EVENT", event.env());
        env.put("FASTCOPY_ELAPSED_S", String.format(Locale.ROOT, "%.1f", elapsedSeconds));
        env.put("FASTCOPY_ERROR", error == null ? "" : error);
        env.put("FASTCOPY_MESSAGE", message(phase, event, elapsedSeconds, error));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        try {
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                log.warn("notify: the command did not finish within {} ms for phase {} {}; killed, migration goes on",
                        timeout.toMillis(), phase.number, event.env());
                return false;
            }
            if (p.exitValue() != 0) {
                log.warn("notify: the command exited {} for phase {} {}; migration goes on", p.exitValue(), phase.number,
                        event.env());
                return false;
            }
            return true;
        } catch (IOException e) {
            log.warn("notify: could not run the command ({}); migration goes on", e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One line a phone can show: "fastcopy migrate: phase 4 convert failed after 120.0 s: ...". */
    static String message(Phase phase, Event event, double elapsedSeconds, String error) {
        String what = switch (event) {
            case START -> "started";
            case END -> String.format(Locale.ROOT, "done in %.1f s", elapsedSeconds);
            case FAIL -> String.format(Locale.ROOT, "failed after %.1f s: %s", elapsedSeconds, error);
            case SKIP -> "skipped" + (error == null || error.isEmpty() ? "" : ": " + error);
        };
        return "fastcopy migrate: phase " + phase.number + " " + phase.slug + " " + what;
    }
}
