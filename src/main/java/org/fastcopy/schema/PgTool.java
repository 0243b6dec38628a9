package org.fastcopy.schema;

import org.fastcopy.FastcopyException;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs pg_dump or pg_restore to completion. Output goes to files, never through pipes we would
 * have to drain: a verbose pg_restore writes a line per item to stderr, and a full pipe would stall
 * it. A failure becomes one line: the program, its exit status and the last line it printed.
 */
final class PgTool {
    private PgTool() {
    }

    /**
     * @param environment sets up the child's environment (connection variables); never puts a
     *                    password into the command line
     * @param stderrLog   receives the child's stderr
     * @param what        names the step in messages, e.g. "pg_dump of source mttv3"
     */
    static void run(List<String> command, Consumer<ProcessBuilder> environment, Path stderrLog, String what) {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderrLog.toFile());
        environment.accept(pb);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, what + " could not start " + command.get(0) + ": "
                    + e.getMessage(), e);
        }
        try {
            int rc = p.waitFor();
            if (rc != 0) {
                throw new FastcopyException(FastcopyException.FAILED, what + " failed (exit " + rc + "): "
                        + reason(stderrLog) + " (full output in " + stderrLog + ")");
            }
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, what + " interrupted");
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    /**
     * The line that says why the program stopped: its first "error:" line with the server's HINT
     * when one follows (e.g. "out of shared memory" + "increase max_locks_per_transaction"), else
     * its last line.
     */
    static String reason(Path log) {
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "no message (" + log + " unreadable)";
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("error:")) {
                String hint = i + 1 < lines.size() && lines.get(i + 1).startsWith("HINT:") ? "; " + lines.get(i + 1).trim() : "";
                return lines.get(i).trim().replaceAll("\\s+", " ") + hint;
            }
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (!lines.get(i).isBlank()) {
                return lines.get(i).trim();
            }
        }
        return "no message";
    }
}
