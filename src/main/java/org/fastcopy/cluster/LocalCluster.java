package org.fastcopy.cluster;

import org.fastcopy.FastcopyException;
import org.fastcopy.endpoint.Connections;
import org.fastcopy.endpoint.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A throwaway PostgreSQL cluster on loopback: initdb into {@code baseDir/name/data}, a free port
 * picked by the OS, started with {@link ClusterSettings#bulkLoad(int)}, stopped by its data directory.
 * Serves the test fixture (the flux1/flux2 roles) and the {@code demo} command.
 *
 * <p>The superuser {@code postgres} gets a random password, kept in a 0600 file {@code password}
 * beside the data directory. Each start rewrites the 0600 password file {@code pgpass} next to it
 * with one line for this cluster's current port; connections authenticate with scram-sha-256
 * through that file, exactly as a user's .pgpass would be used, so nothing ever passes a password
 * on a command line. The port is in the line (not '*') so that the lines of several clusters can
 * be joined into one file that libpq reads ({@code fastcopy cluster start}).
 */
public final class LocalCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
    public static final String SUPERUSER = "postgres";
    private static final int START_ATTEMPTS = 3;

    private final String name;
    private final Path dir;
    private final Path dataDir;
    private final Path passfile;
    private final Path passwordFile;
    private final PgBinaries bin;
    private volatile int port = -1;
    /** Stops the server if the JVM exits without stop(): a throwaway cluster must not outlive us. */
    private final Thread shutdownHook = new Thread(this::stopQuietly, "stop-cluster");

    private LocalCluster(String name, Path dir, PgBinaries bin) {
        this.name = name;
        this.dir = dir;
        this.dataDir = dir.resolve("data");
        this.passfile = dir.resolve("pgpass");
        this.passwordFile = dir.resolve("password");
        this.bin = bin;
    }

    /**
     * Creates (or reuses, when {@code baseDir/name/data} already holds a cluster) and starts a
     * cluster. A server left running there by an earlier, killed process is stopped first.
     */
    public static LocalCluster start(String name, Path baseDir) {
        LocalCluster c = startDetached(name, baseDir);
        Runtime.getRuntime().addShutdownHook(c.shutdownHook);
        return c;
    }

    /**
     * As {@link #start}, but the server outlives this JVM (no shutdown hook): whoever calls this
     * must stop it later, e.g. through {@link #existing}.
     */
    public static LocalCluster startDetached(String name, Path baseDir) {
        return startDetached(name, baseDir, false);
    }

    /**
     * As {@link #startDetached(String, Path)}; {@code durable} starts the server with PostgreSQL's
     * durable defaults ({@link ClusterSettings#durable()}) over the bulk-load settings, for this run
     * of the server only (the next start without it is fast again).
     */
    public static LocalCluster startDetached(String name, Path baseDir, boolean durable) {
        return startDetached(name, baseDir, durable, PgBinaries.server(System.getenv()));
    }

    /**
     * As {@link #start}, with the server programs of {@code bin} (another major version than the
     * installed one): initdb's options and the settings are those that version knows.
     */
    public static LocalCluster start(String name, Path baseDir, PgBinaries bin) {
        LocalCluster c = startDetached(name, baseDir, false, bin);
        Runtime.getRuntime().addShutdownHook(c.shutdownHook);
        return c;
    }

    /**
     * As {@link #start(String, Path, PgBinaries)}, with {@code settings} given on the postmaster's
     * command line over the bulk-load settings, for this run of the server only (for example
     * {@code wal_level=logical} for the logical replication tests).
     */
    public static LocalCluster start(String name, Path baseDir, PgBinaries bin, Map<String, String> settings) {
        LocalCluster c = startDetached(name, baseDir, settings, bin);
        Runtime.getRuntime().addShutdownHook(c.shutdownHook);
        return c;
    }

    /** As {@link #start(String, Path, PgBinaries, Map)} with the installed server. */
    public static LocalCluster start(String name, Path baseDir, Map<String, String> settings) {
        return start(name, baseDir, PgBinaries.server(System.getenv()), settings);
    }

    /**
     * As {@link #startDetached(String, Path, boolean)}, with {@code wal_level=logical} (and walsenders
     * and slots) when {@code logical}: for a benchmark of logical decoding (convert --follow).
     */
    public static LocalCluster startDetached(String name, Path baseDir, boolean durable, boolean logical) {
        Map<String, String> settings = new java.util.LinkedHashMap<>(durable ? ClusterSettings.durable() : Map.of());
        if (logical) {
            settings.put("wal_level", "logical");
            settings.put("max_wal_senders", "10");
            settings.put("max_replication_slots", "10");
        }
        return startDetached(name, baseDir, settings, PgBinaries.server(System.getenv()));
    }

    private static LocalCluster startDetached(String name, Path baseDir, boolean durable, PgBinaries bin) {
        return startDetached(name, baseDir, durable ? ClusterSettings.durable() : Map.of(), bin);
    }

    private static LocalCluster startDetached(String name, Path baseDir, Map<String, String> settings, PgBinaries bin) {
        LocalCluster c = new LocalCluster(name, baseDir.toAbsolutePath().resolve(name), bin);
        c.stopStale();
        if (!Files.exists(c.dataDir.resolve("PG_VERSION")) || !c.hasPassword()) {
            c.initdb();
        }
        c.startServer(settings);
        return c;
    }

    /**
     * A handle on the cluster directory {@code baseDir/name} that starts and creates nothing:
     * {@link #stop()} stops a server running there; {@link #port()} is -1.
     */
    public static LocalCluster existing(String name, Path baseDir) {
        return new LocalCluster(name, baseDir.toAbsolutePath().resolve(name), PgBinaries.server(System.getenv()));
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path passfile() {
        return passfile;
    }

    /** The superuser's endpoint for one database on this cluster. */
    public Endpoint endpoint(String database) {
        return new Endpoint(name, "127.0.0.1", port, SUPERUSER, database, passfile, Map.of());
    }

    /**
     * Connections that find this cluster's password through its password file and ignore any
     * PG* variables of the calling environment, so tests cannot pick up a developer's settings.
     */
    public Connections connections() {
        return new Connections(environment());
    }

    /** The process environment for tools run against this cluster: PG* cleared, PGPASSFILE set. */
    public Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (!k.startsWith("PG")) {
                env.put(k, v);
            }
        });
        env.put("PGPASSFILE", passfile.toString());
        return env;
    }

    private void initdb() {
        try {
            Files.createDirectories(dir);
            // The server user must be able to reach the data directory through every parent.
            dir.toFile().setExecutable(true, false);
            dir.toFile().setReadable(true, false);
            deleteRecursively(dataDir);
            Files.createDirectories(dataDir);
            OsUser.giveToServerUser(dataDir);
            byte[] secret = new byte[16];
            new SecureRandom().nextBytes(secret);
            String password = HexFormat.of().formatHex(secret);
            // Outside the data directory: initdb wants that one empty.
            Path pwfile = dir.resolve("initdb.pw");
            Files.writeString(pwfile, password + "\n");
            OsUser.giveToServerUser(pwfile);
            int versionNum = bin.serverVersionNum();
            // scram-sha-256 exists from PostgreSQL 10; a 9.6 server authenticates with md5.
            String auth = versionNum >= 100_000 ? "scram-sha-256" : "md5";
            // -N is --no-sync, which 9.6 spells --nosync.
            try {
                run(OsUser.asServerUser(List.of(bin.program("initdb").toString(), "-D", dataDir.toString(),
                        "-U", SUPERUSER, "--pwfile=" + pwfile, "--auth-local=" + auth, "--auth-host=" + auth,
                        "-E", "UTF8", "--locale=C.UTF-8", "-N")), 180, "initdb");
            } finally {
                Files.deleteIfExists(pwfile);
            }
            appendSettings(versionNum);
            writeSecret(passwordFile, password + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void appendSettings(int versionNum) throws IOException {
        String lines = ClusterSettings.bulkLoad(versionNum).entrySet().stream()
                .map(e -> e.getKey() + " = " + e.getValue())
                .collect(Collectors.joining("\n", "\n# fastcopy local cluster\n", "\n"));
        Path conf = dataDir.resolve("postgresql.conf");
        Files.writeString(conf, Files.readString(conf) + lines);
    }

    private boolean hasPassword() {
        return Files.exists(passwordFile) || Files.exists(passfile);
    }

    /**
     * The superuser's password. A cluster made before the password file existed has it only as
     * the last field of its pgpass line (hex, so no escapes); it is moved into the password file.
     */
    private String password() throws IOException {
        if (!Files.exists(passwordFile)) {
            String line = Files.readString(passfile).strip();
            writeSecret(passwordFile, line.substring(line.lastIndexOf(':') + 1) + "\n");
        }
        return Files.readString(passwordFile).strip();
    }

    /** The pgpass line for the port just started on: the port changes at every start, the password does not. */
    private void writePassfile() throws IOException {
        writeSecret(passfile, "127.0.0.1:" + port + ":*:" + SUPERUSER + ":" + password() + "\n");
    }

    /** Writes a 0600 file through a rename, so a reader never sees it missing or half written. */
    private void writeSecret(Path file, String text) throws IOException {
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void startServer(Map<String, String> settings) {
        // -c options win over postgresql.conf and last only as long as this postmaster.
        String overrides = settings.entrySet().stream()
                .map(e -> " -c " + e.getKey() + "=" + e.getValue()).collect(Collectors.joining());
        FastcopyException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int candidate = freePort();
            try {
                run(OsUser.asServerUser(List.of(bin.program("pg_ctl").toString(), "-D", dataDir.toString(),
                        "-l", dataDir.resolve("server.log").toString(), "-o", "-p " + candidate + overrides,
                        "-w", "-t", "120", "start")), 150, "pg_ctl start");
                port = candidate;
                writePassfile();
                log.info("cluster {} running on 127.0.0.1:{} (data {})", name, port, dataDir);
                return;
            } catch (IOException e) {
                stopQuietly();
                throw new UncheckedIOException(e);
            } catch (FastcopyException e) {
                // Another process may have taken the port between our probe and the bind.
                last = e;
                stopQuietly();
            }
        }
        throw last;
    }

    /** Stops a server that an earlier, killed process left running on this data directory. */
    private void stopStale() {
        if (Files.exists(dataDir.resolve("postmaster.pid"))) {
            log.info("stopping a server left running in {}", dataDir);
            stopQuietly();
        }
    }

    public void stop() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // the JVM is already shutting down (we are the hook), or the hook was never added
        }
        if (!Files.exists(dataDir.resolve("postmaster.pid"))) {
            return;
        }
        run(OsUser.asServerUser(List.of(bin.program("pg_ctl").toString(), "-D", dataDir.toString(),
                "-m", "fast", "-w", "-t", "60", "stop")), 90, "pg_ctl stop");
    }

    /**
     * Restarts the server on its port ({@code pg_ctl restart -m fast}: sessions are terminated
     * with SQLSTATE 57P01) and returns once it accepts connections again.
     */
    public void restart() {
        run(OsUser.asServerUser(List.of(bin.program("pg_ctl").toString(), "-D", dataDir.toString(),
                "-l", dataDir.resolve("server.log").toString(), "-m", "fast", "-w", "-t", "120", "restart")),
                150, "pg_ctl restart");
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            log.warn("could not stop cluster {}: {}", name, e.getMessage());
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Stops the cluster and removes its directory. */
    public void destroy() {
        stopQuietly();
        try {
            deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void run(List<String> command, int timeoutSeconds, String what) {
        // Output goes to a file, not a pipe: reading a pipe to its end before waiting would make
        // the timeout useless against a hung initdb or pg_ctl.
        Path out = dir.resolve("last-command.log");
        try {
            Files.createDirectories(dir);
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new FastcopyException(FastcopyException.FAILED, what + " for cluster " + name + " did not finish in " + timeoutSeconds + " s");
            }
            if (p.exitValue() != 0) {
                String text = Files.readString(out, StandardCharsets.UTF_8).trim();
                String tail = text.lines().reduce((a, b) -> b).orElse("");
                throw new FastcopyException(FastcopyException.FAILED, what + " for cluster " + name + " failed (exit "
                        + p.exitValue() + "): " + tail + serverLogTail());
            }
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.FAILED, what + " for cluster " + name + " could not run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FastcopyException(FastcopyException.INTERRUPTED, what + " for cluster " + name + " interrupted");
        }
    }

    private String serverLogTail() {
        Path logFile = dataDir.resolve("server.log");
        try {
            if (Files.isReadable(logFile)) {
                List<String> lines = Files.readAllLines(logFile);
                List<String> tail = new ArrayList<>(lines.subList(Math.max(0, lines.size() - 3), lines.size()));
                return tail.isEmpty() ? "" : " | server log: " + String.join(" / ", tail);
            }
        } catch (IOException e) {
            // the log is only a hint
        }
        return "";
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
