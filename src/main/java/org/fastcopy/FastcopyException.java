package org.fastcopy;

/**
 * A failure the user can act on. The message is one line that names the thing that is wrong
 * (the option, the endpoint, the table); {@link org.fastcopy.cli.Main} prints it without a stack
 * trace and exits with {@link #exitCode()}. The cause, when there is one, keeps the SQLState for
 * logs at debug level.
 */
public class FastcopyException extends RuntimeException {
    /** Exit codes are part of the command-line contract: documented in the README. */
    public static final int USAGE = 2;
    public static final int CONNECTION = 3;
    public static final int FAILED = 4;
    public static final int VERIFY_MISMATCH = 5;
    public static final int INTERRUPTED = 130;

    private final int exitCode;

    public FastcopyException(String message) {
        this(FAILED, message, null);
    }

    public FastcopyException(int exitCode, String message) {
        this(exitCode, message, null);
    }

    public FastcopyException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
