package org.fastcopy.testing;

import org.fastcopy.cluster.LocalCluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The fastcopy CLI in a JVM of its own (this test JVM's classpath, {@code org.fastcopy.cli.Main}),
 * its output in a log file: a process the tests can kill with SIGKILL or stop with SIGINT/SIGTERM
 * exactly as an operator or a crashing host would.
 */
public final class CliProcess {
    private final Process process;
    private final Path log;

    private CliProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code fastcopy ARGS...}; output and errors go to {@code log}. */
    public static CliProcess start(List<String> args, Path log) throws IOException {
        return start(List.of(), args, log);
    }

    /** As {@link #start(List, Path)}, with options for the child JVM (e.g. a small -Xmx). */
    public static CliProcess start(List<String> jvmOptions, List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (sigintIgnored()) {
            // A shell starts background jobs with SIGINT ignored (nohup ... &), an ignored signal
            // stays ignored across exec, and a JVM that starts so never runs its shutdown hooks on
            // SIGINT. An operator's Ctrl-C reaches a foreground process: give the child that.
            cmd.addAll(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec: $!\\n\"", "--"));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.fastcopy.cli.Main");
        cmd.addAll(args);
        Files.createDirectories(log.toAbsolutePath().getParent());
        return new CliProcess(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
    }

    /** Whether this process ignores SIGINT (Linux: bit 2 of SigIgn in /proc/self/status). */
    private static boolean sigintIgnored() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).strip(), 16) & 0x2) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: nothing to restore that we could see
        }
        return false;
    }

    /** An endpoint as a conninfo string: the password comes from the cluster's 0600 password file. */
    public static String conninfo(LocalCluster c) {
        return "host=127.0.0.1 port=" + c.port() + " user=postgres passfile=" + c.passfile().toAbsolutePath();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("process " + pid() + " survived SIGKILL for 30 s");
        }
    }

    /** Sends a signal by name (INT, TERM) without waiting. */
    public void signal(String name) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-s", name, Long.toString(pid())).inheritIO().start();
        if (k.waitFor() != 0) {
            throw new IllegalStateException("kill -s " + name + " " + pid() + " failed");
        }
    }

    /** The exit code, or null if the process is still running after {@code timeout}. */
    public Integer await(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** SIGKILL if still running (for finally blocks). */
    public void destroy() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
