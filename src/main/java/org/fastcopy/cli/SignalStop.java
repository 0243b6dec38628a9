package org.fastcopy.cli;

import org.fastcopy.endpoint.OpenConnections;
import org.fastcopy.observe.Logging;
import org.slf4j.event.Level;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What SIGINT (Ctrl-C) and SIGTERM do to a running command. The JVM answers either signal by
 * running its shutdown hooks and then halting with 128 + the signal's number: exit code 130 for
 * SIGINT, 143 for SIGTERM. This hook makes that a clean stop instead of a dropped process:
 * <ol>
 * <li>it interrupts the command's thread; every step already stops on an interrupt through its
 * finally blocks: running COPYs and DDL are cancelled, open transactions roll back (a unit's rows
 * and its ledger mark are one transaction, so the ledger stays true), pg_dump is stopped, the
 * snapshot session is closed, which releases the snapshot and the source's table locks;</li>
 * <li>it waits up to {@link #GRACE_MILLIS} for the command to unwind;</li>
 * <li>it cancels and closes whatever connection is still open, so no statement of this run goes
 * on running on either server.</li>
 * </ol>
 * A later {@code --resume} (copy, migrate) or rerun (convert) carries on from the ledger; the
 * warning says which, once the command line has named the command ({@link #command}).
 *
 * <p>Hazard: System.exit called while the hooks run blocks forever, so the command's thread must
 * not be joined; it reports the end through {@link #finished()} just before it calls exit.
 */
final class SignalStop {
    static final long GRACE_MILLIS = 15_000;

    private final Thread command;
    private final CountDownLatch done = new CountDownLatch(1);
    private final PrintStream err;
    /** Who stops, and how to continue: set once the command line is parsed (until then, a copy's). */
    private volatile String name;
    private volatile String hint;

    private SignalStop(Thread command, PrintStream err) {
        this.command = command;
        this.err = err;
        command("fastcopy");
    }

    /** Installs the hook for the command running on {@code command}. */
    static SignalStop install(Thread command, PrintStream err) {
        SignalStop stop = new SignalStop(command, err);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::stop, "fastcopy-signal-stop"));
        return stop;
    }

    /**
     * The command that runs: its name leads the warning, and how to continue follows it (the copy
     * and migrate: {@code --resume}; convert: a rerun; the others keep nothing to continue).
     */
    void command(String name) {
        this.name = name;
        this.hint = switch (name) {
            case "fastcopy", "migrate" -> "a rerun with --resume continues";
            case "convert" -> "a rerun of the same command continues";
            default -> "";
        };
    }

    /** The warning a signal prints. */
    String warning() {
        String h = hint;
        return name + ": stopping on a signal: cancelling running statements and rolling back"
                + (h.isEmpty() ? "" : " (" + h + ")");
    }

    /** The command has returned: a shutdown from now on is the normal exit and needs nothing. */
    void finished() {
        done.countDown();
    }

    private void stop() {
        if (done.getCount() == 0) {
            return;
        }
        err.println(Logging.line(Logging.current(), Level.WARN, warning(), null));
        command.interrupt();
        boolean unwound;
        try {
            unwound = done.await(GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            unwound = false;
        }
        int open = OpenConnections.cancelAndAbortAll();
        if (!unwound) {
            err.println(Logging.line(Logging.current(), Level.ERROR, name + ": the run did not stop within "
                    + GRACE_MILLIS / 1000 + " s; closed its " + open + " remaining connection(s)", null));
        }
        err.flush();
    }
}
