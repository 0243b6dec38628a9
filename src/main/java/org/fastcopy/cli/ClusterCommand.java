package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code fastcopy cluster start|stop|status}: named throwaway local clusters ({@link LocalCluster})
 * that outlive the command, for benchmarks and hands-on runs of psql, pg_dump, pgcopydb and
 * fastcopy against the same two servers.
 *
 * <p>The work directory holds one directory per cluster plus two files rewritten after every start
 * and stop from the clusters then running: {@code pg_service.conf} (a section per cluster) and
 * {@code pgpass} (one 0600 line per cluster, port included, since each cluster has its own
 * password). Tools reach a cluster by name through PGSERVICEFILE and PGPASSFILE, never with a
 * password on a command line.
 *
 * <p>Hazard: the pgpass lines carry passwords; nothing here may print or log them.
 */
@Command(name = "cluster",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        description = {"Starts, stops and lists throwaway local PostgreSQL clusters (loopback only; fsync off unless --durable) "
                + "that stay up between commands, and writes a service file and a password file for them."},
        subcommands = {ClusterCommand.Start.class, ClusterCommand.Stop.class, ClusterCommand.Status.class},
        footer = {"", "Examples:",
                "  fastcopy cluster start --workdir bench/work flux1 flux2",
                "  fastcopy cluster status --workdir bench/work",
                "  fastcopy cluster stop --workdir bench/work"})
public final class ClusterCommand {
    static final String SERVICE_FILE = "pg_service.conf";
    static final String PASSWORD_FILE = "pgpass";
    private static final String LOCK_FILE = ".cluster.lock";
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");

    /** The --workdir option every subcommand shares. */
    static final class WorkDir {
        @Option(names = "--workdir", paramLabel = "DIR", defaultValue = "fastcopy-clusters",
                description = "Directory of the clusters (one subdirectory each), " + SERVICE_FILE + " and "
                        + PASSWORD_FILE + ".")
        Path dir;

        Path absolute() {
            return dir.toAbsolutePath().normalize();
        }
    }

    @Command(name = "start",
            mixinStandardHelpOptions = true,
            showDefaultValues = true,
            description = {"Starts the named clusters (initdb on first use; one already running is left as it is), "
                    + "then rewrites DIR/" + SERVICE_FILE + " and DIR/" + PASSWORD_FILE + " for all running clusters "
                    + "of DIR. The servers keep running after this command: stop them with 'fastcopy cluster stop'.",
                    "Each cluster gets a free loopback port and its own random password for the superuser postgres."},
            footer = {"", "Examples:",
                    "  fastcopy cluster start --workdir bench/work flux1 flux2",
                    "  fastcopy cluster start flux1",
                    "  fastcopy cluster start --durable flux1",
                    "",
                    "Then, with PGSERVICEFILE=DIR/pg_service.conf and PGPASSFILE=DIR/pgpass exported:",
                    "  psql service=flux1",
                    "  pg_dump -d service=flux1 -Fd -f flux1.dump",
                    "  fastcopy --hosts-file DIR/pg_service.conf --src flux1 --dst flux2 --db mttv3",
                    "(--hosts-file: fastcopy's conf/hosts.conf, read before PGSERVICEFILE, has its",
                    "own flux1 and flux2.)"})
    static final class Start implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        WorkDir workDir;

        @Parameters(arity = "1..*", paramLabel = "NAME",
                description = "Cluster names, also their service names (letters, digits, '_' and '-').")
        List<String> names;

        @Option(names = "--durable", description = "Start with PostgreSQL's durable defaults (fsync, "
                + "full_page_writes and synchronous_commit on, wal_level replica) instead of the bulk-load "
                + "settings, for this start only: every commit then waits for its WAL flush, as on a production "
                + "server. A cluster already running keeps the settings it was started with.")
        boolean durable;

        @Option(names = "--logical", description = "Start with wal_level logical (and walsenders and replication "
                + "slots), for this start only: for convert --follow and fastcopy --follow against this cluster.")
        boolean logical;

        @Override
        public Integer call() throws IOException {
            Path dir = workDir.absolute();
            List<String> wanted = checkedNames(names);
            Files.createDirectories(dir);
            // The server runs as the postgres OS user when we are root: it must get through DIR.
            dir.toFile().setExecutable(true, false);
            List<LocalCluster> startedHere = new ArrayList<>();
            FileChannel lock = lock(dir);
            try {
                try {
                    for (String name : wanted) {
                        if (runningPort(dir, name).isEmpty()) {
                            startedHere.add(LocalCluster.startDetached(name, dir, durable, logical));
                        }
                    }
                } catch (RuntimeException e) {
                    // All or nothing: no server of this command is left running after a failure.
                    for (LocalCluster c : startedHere) {
                        try {
                            c.stop();
                        } catch (RuntimeException stopFailure) {
                            e.addSuppressed(stopFailure);
                        }
                    }
                    writeClientFiles(dir);
                    throw e;
                }
                writeClientFiles(dir);
            } finally {
                lock.close();
            }
            PrintWriter out = spec.commandLine().getOut();
            for (String name : wanted) {
                out.println(statusLine(dir, name));
            }
            out.printf("Service file %s, password file %s; for example:%n", dir.resolve(SERVICE_FILE),
                    dir.resolve(PASSWORD_FILE));
            String env = "PGSERVICEFILE=" + dir.resolve(SERVICE_FILE) + " PGPASSFILE=" + dir.resolve(PASSWORD_FILE);
            out.printf("  %s psql service=%s%n", env, wanted.get(0));
            // conf/hosts.conf is searched before PGSERVICEFILE and may define the same names
            out.printf("  %s fastcopy --hosts-file %s --src %s ...%n", env, dir.resolve(SERVICE_FILE), wanted.get(0));
            out.flush();
            return 0;
        }
    }

    @Command(name = "stop",
            mixinStandardHelpOptions = true,
            showDefaultValues = true,
            description = {"Stops the named clusters of DIR, or all of them, by their data directories (their data "
                    + "is kept), then rewrites DIR/" + SERVICE_FILE + " and DIR/" + PASSWORD_FILE + "."},
            footer = {"", "Examples:",
                    "  fastcopy cluster stop --workdir bench/work",
                    "  fastcopy cluster stop --workdir bench/work flux2"})
    static final class Stop implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        WorkDir workDir;

        @Parameters(arity = "0..*", paramLabel = "NAME", description = "Clusters to stop (default: every cluster of DIR).")
        List<String> names;

        @Override
        public Integer call() throws IOException {
            Path dir = workDir.absolute();
            List<String> known = clusterNames(dir);
            List<String> wanted = names == null || names.isEmpty() ? known : checkedNames(names);
            PrintWriter out = spec.commandLine().getOut();
            if (known.isEmpty() && wanted.isEmpty()) {
                out.println("no clusters under " + dir);
                out.flush();
                return 0;
            }
            for (String name : wanted) {
                if (!known.contains(name)) {
                    throw new FastcopyException(FastcopyException.USAGE, "no cluster '" + name + "' under " + dir
                            + (known.isEmpty() ? "" : " (there are: " + String.join(", ", known) + ")"));
                }
            }
            RuntimeException first = null;
            FileChannel lock = lock(dir);
            try {
                for (String name : wanted) {
                    if (runningPort(dir, name).isEmpty()) {
                        out.println(name + " was not running");
                        continue;
                    }
                    try {
                        LocalCluster.existing(name, dir).stop();
                        out.println(name + " stopped");
                    } catch (RuntimeException e) {
                        // Go on with the others: a bench must not leave servers behind.
                        first = first == null ? e : first;
                    }
                }
                writeClientFiles(dir);
            } finally {
                lock.close();
            }
            out.flush();
            if (first != null) {
                throw first;
            }
            return 0;
        }
    }

    @Command(name = "status",
            mixinStandardHelpOptions = true,
            showDefaultValues = true,
            description = {"Lists the clusters of DIR: name, running or stopped, address, data directory."},
            footer = {"", "Example:", "  fastcopy cluster status --workdir bench/work"})
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        WorkDir workDir;

        @Override
        public Integer call() {
            Path dir = workDir.absolute();
            PrintWriter out = spec.commandLine().getOut();
            List<String> known = clusterNames(dir);
            if (known.isEmpty()) {
                out.println("no clusters under " + dir);
            }
            known.forEach(name -> out.println(statusLine(dir, name)));
            out.flush();
            return 0;
        }
    }

    private ClusterCommand() {
    }

    private static List<String> checkedNames(List<String> names) {
        for (String name : names) {
            if (!NAME.matcher(name).matches()) {
                throw new FastcopyException(FastcopyException.USAGE, "NAME '" + name
                        + "': a cluster name is a letter followed by letters, digits, '_' or '-'");
            }
        }
        return List.copyOf(new LinkedHashSet<>(names));
    }

    /** Subdirectories of {@code dir} that hold a cluster (an initialised data directory), sorted. */
    static List<String> clusterNames(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.exists(p.resolve("data").resolve("PG_VERSION")))
                    .map(p -> p.getFileName().toString())
                    .filter(n -> NAME.matcher(n).matches())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "cannot list clusters in " + dir + ": " + e, e);
        }
    }

    /**
     * The port of the server running on {@code dir/name/data}, from its postmaster.pid (line 1 the
     * pid, line 4 the port); empty when there is none or the pid is dead (a stale file after a kill).
     */
    static OptionalInt runningPort(Path dir, String name) {
        Path pidFile = dir.resolve(name).resolve("data").resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 4) {
                return OptionalInt.empty();
            }
            long pid = Long.parseLong(lines.get(0).strip());
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            return alive ? OptionalInt.of(Integer.parseInt(lines.get(3).strip())) : OptionalInt.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static String statusLine(Path dir, String name) {
        OptionalInt port = runningPort(dir, name);
        return String.format("%-12s %-8s %-16s %s", name, port.isPresent() ? "running" : "stopped",
                port.isPresent() ? "127.0.0.1:" + port.getAsInt() : "-", dir.resolve(name).resolve("data"));
    }

    /** Rewrites the service file and the password file from the clusters running now. */
    private static void writeClientFiles(Path dir) throws IOException {
        StringBuilder services = new StringBuilder("# Written by 'fastcopy cluster' for the clusters running under "
                + dir + ";\n# rewritten at every start and stop. Use with PGSERVICEFILE=" + dir.resolve(SERVICE_FILE)
                + "\n# and PGPASSFILE=" + dir.resolve(PASSWORD_FILE) + ".\n");
        StringBuilder passwords = new StringBuilder();
        for (String name : clusterNames(dir)) {
            OptionalInt port = runningPort(dir, name);
            if (port.isEmpty()) {
                continue;
            }
            services.append('\n').append('[').append(name).append("]\n")
                    .append("host=127.0.0.1\n")
                    .append("port=").append(port.getAsInt()).append('\n')
                    .append("user=").append(LocalCluster.SUPERUSER).append('\n');
            passwords.append(passwordLine(dir, name, port.getAsInt()));
        }
        replace(dir.resolve(SERVICE_FILE), services.toString(), "rw-r--r--");
        replace(dir.resolve(PASSWORD_FILE), passwords.toString(), "rw-------");
    }

    /**
     * The cluster's own pgpass line with the running port in its port field: libpq takes the first
     * matching line, so a '*' port would hand one cluster's password to the next one.
     */
    private static String passwordLine(Path dir, String name, int port) throws IOException {
        Path own = LocalCluster.existing(name, dir).passfile();
        String line = Files.readAllLines(own).stream().filter(l -> !l.isBlank() && !l.startsWith("#"))
                .findFirst().orElseThrow(() -> new FastcopyException(FastcopyException.FAILED,
                        "cluster " + name + ": its password file " + own + " holds no line"));
        String[] hostPortRest = line.split(":", 3);
        if (hostPortRest.length < 3) {
            throw new FastcopyException(FastcopyException.FAILED, "cluster " + name + ": its password file " + own
                    + " is not in host:port:database:user:password form");
        }
        return hostPortRest[0] + ":" + port + ":" + hostPortRest[2] + "\n";
    }

    /** Writes through a rename, so a tool reading the file never sees it half written. */
    private static void replace(Path file, String text, String permissions) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions)));
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Serialises start and stop on one work directory (two at once would lose a section); the
     * lock is held until the returned channel is closed.
     */
    private static FileChannel lock(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            ch.lock();
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }
}
