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
 * picked by the OS, started with {@link ClusterSettings#bulkLoad()}, stopped by its data directory.
 * Serves the test fixture (the flux1/flux2 roles) and the {@code demo} command.
 *
 * <p>The superuser {@code postgres} gets a random password, written to a 0600 password file beside
 * the data directory; connections authenticate with scram-sha-256 through that file, exactly as a
 * user's .pgpass would be used, so nothing ever passes a password on a command line.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
    public static final String SUPERUSER = "postgres";
    private static final int START_ATTEMPTS = 3;

    private final String name;
    private final Path dir;
    private final Path dataDir;
    private final Path passfile;
    private final PgBinaries bin;
    private volatile int port = -1;

    private LocalCluster(String name, Path dir, PgBinaries bin) {
        this.name = name;
        this.dir = dir;
        this.dataDir = dir.resolve("data");
        this.passfile = dir.resolve("pgpass");
        this.bin = bin;
    }

    /**
     * Creates (or reuses, when {@code baseDir/name/data} already holds a cluster) and starts a
     * cluster. A server left running there by an earlier, killed process is stopped first.
     */
    public static LocalCluster start(String name, Path baseDir) {
        PgBinaries bin = PgBinaries.server(System.getenv());
        LocalCluster c = new LocalCluster(name, baseDir.toAbsolutePath().resolve(name), bin);
        c.stopStale();
        if (!Files.exists(c.dataDir.resolve("PG_VERSION")) || !Files.exists(c.passfile)) {
            c.initdb();
        }
        c.startServer();
        Runtime.getRuntime().addShutdownHook(new Thread(c::stopQuietly, "stop-" + name));
        return c;
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
            try {
                run(OsUser.asServerUser(List.of(bin.program("initdb").toString(), "-D", dataDir.toString(),
                        "-U", SUPERUSER, "--pwfile=" + pwfile, "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                        "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")), 180, "initdb");
            } finally {
                Files.deleteIfExists(pwfile);
            }
            appendSettings();
            writePassfile(password);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void appendSettings() throws IOException {
        String lines = ClusterSettings.bulkLoad().entrySet().stream()
                .map(e -> e.getKey() + " = " + e.getValue())
                .collect(Collectors.joining("\n", "\n# fastcopy local cluster\n", "\n"));
        Path conf = dataDir.resolve("postgresql.conf");
        Files.writeString(conf, Files.readString(conf) + lines);
    }

    private void writePassfile(String password) throws IOException {
        Files.deleteIfExists(passfile);
        Files.createFile(passfile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        // Port is wildcarded: the port changes at every start, the password does not.
        Files.writeString(passfile, "127.0.0.1:*:*:" + SUPERUSER + ":" + password + "\n");
    }

    private void startServer() {
        FastcopyException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int candidate = freePort();
            try {
                run(OsUser.asServerUser(List.of(bin.program("pg_ctl").toString(), "-D", dataDir.toString(),
                        "-l", dataDir.resolve("server.log").toString(), "-o", "-p " + candidate,
                        "-w", "-t", "120", "start")), 150, "pg_ctl start");
                port = candidate;
                log.info("cluster {} running on 127.0.0.1:{} (data {})", name, port, dataDir);
                return;
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
        if (!Files.exists(dataDir.resolve("postmaster.pid"))) {
            return;
        }
        run(OsUser.asServerUser(List.of(bin.program("pg_ctl").toString(), "-D", dataDir.toString(),
                "-m", "fast", "-w", "-t", "60", "stop")), 90, "pg_ctl stop");
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
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new FastcopyException(FastcopyException.FAILED, what + " for cluster " + name + " did not finish in " + timeoutSeconds + " s");
            }
            if (p.exitValue() != 0) {
                String text = new String(out, StandardCharsets.UTF_8).trim();
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
