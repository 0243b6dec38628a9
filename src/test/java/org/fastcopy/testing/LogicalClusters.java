package org.fastcopy.testing;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.follow.decode.PgOutputDecoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.fastcopy.util.Sql.ident;

/**
 * The cluster pair of the logical replication tests (the pgoutput decoder, follow), one per test
 * JVM, started on first use: {@code source} runs with {@code wal_level=logical} and room for
 * slots and WAL senders, {@code target} with the ordinary test settings. Separate from
 * {@link TestClusters} because wal_level=logical needs a server start of its own and slows every
 * bulk load, which the other tests must not pay for.
 *
 * <p>The servers stop when the JVM exits (LocalCluster's shutdown hook, by data directory); a run
 * killed halfway leaves servers that the next start stops first. Tests isolate themselves by
 * database, slot and publication names ({@link #newName}), and drop the slots they create: a slot
 * left behind holds WAL on the source for the rest of the run.
 */
public final class LogicalClusters {
    private static LogicalClusters instance;

    private final LocalCluster source;
    private final LocalCluster target;
    private final AtomicInteger counter = new AtomicInteger();
    @SuppressWarnings("unused") // held open: the lock marks this JVM's directory as taken
    private final FileChannel lock;

    private final Path base;

    private LogicalClusters(LocalCluster source, LocalCluster target, FileChannel lock, Path base) {
        this.source = source;
        this.target = target;
        this.lock = lock;
        this.base = base;
    }

    /** The settings the source runs with, over the bulk-load test settings. */
    public static Map<String, String> sourceSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("wal_level", "logical");
        s.put("max_replication_slots", "10");
        s.put("max_wal_senders", "10");
        // Logical decoding reads only WAL that is flushed: with commits flushed at once (cheap
        // with fsync off) a change is decodable as soon as its COMMIT returns.
        s.put("synchronous_commit", "on");
        return s;
    }

    /** The pair, started on the first call in this JVM. */
    public static synchronized LogicalClusters get() {
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    private static LogicalClusters start() {
        // Each concurrent test JVM in this tree takes its own directory, found by an exclusive lock.
        FileChannel lock = null;
        Path base = null;
        for (int slot = 0; lock == null; slot++) {
            base = Path.of("target", "test-clusters", "logical-" + slot);
            lock = tryLock(base);
        }
        LocalCluster source = LocalCluster.start("source", base, sourceSettings());
        try {
            dropLeftovers(source);
            return new LogicalClusters(source, LocalCluster.start("target", base, Map.of()), lock, base);
        } catch (RuntimeException e) {
            source.stop();
            throw e;
        }
    }

    /**
     * A wal_level=logical source of another major version ({@link PgVersions}, e.g. "pg12"),
     * started with the settings of {@link #source()}; the caller stops it. Its data directory
     * stays, beside this pair's, so the next run skips initdb.
     */
    public LocalCluster startSource(String version) {
        LocalCluster c = LocalCluster.start(version + "-source", base, PgVersions.server(version), sourceSettings());
        try {
            dropLeftovers(c);
        } catch (RuntimeException e) {
            c.stop();
            throw e;
        }
        return c;
    }

    /**
     * A target of another major version ({@link PgVersions}, e.g. "pg17") with the ordinary test
     * settings, for following into a newer server; the caller stops it. Its data directory stays,
     * beside this pair's, so the next run skips initdb.
     */
    public LocalCluster startTarget(String version) {
        return LocalCluster.start(version + "-target", base, PgVersions.server(version), Map.of());
    }

    /**
     * Drops the replication slots and origins that an earlier run in this directory left behind
     * (a test that failed before its cleanup, a killed JVM), and a synchronous standby name. The
     * data directories are kept between runs, and a leftover slot would hold WAL and take one of
     * the ten slots for good. Safe: the
     * server was just started by this JVM, which holds the directory's lock, so nothing uses them.
     */
    private static void dropLeftovers(LocalCluster cluster) {
        try (Connection c = cluster.connections().open(cluster.endpoint("postgres"), "fastcopy-test");
             Statement st = c.createStatement()) {
            // A test of commits that wait for a synchronous standby (ConvertFollowVisibilityTest)
            // names one that never comes: killed before it cleared it, it would hold every commit.
            st.execute("SET synchronous_commit = local");
            st.execute("ALTER SYSTEM RESET synchronous_standby_names");
            st.execute("SELECT pg_reload_conf()");
            st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
            st.execute("SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop the replication slots and origins left in " + cluster.dataDir(), e);
        }
    }

    public LocalCluster source() {
        return source;
    }

    public LocalCluster target() {
        return target;
    }

    /** A name no other test in this JVM uses, lower case, usable as a database, slot or publication name. */
    public String newName(String prefix) {
        return prefix + "_" + ProcessHandle.current().pid() + "_" + counter.incrementAndGet();
    }

    /** Creates an empty UTF8 database on the cluster and returns its endpoint. */
    public Endpoint createDatabase(LocalCluster cluster, String prefix) {
        String db = newName(prefix);
        try (Connection c = connect(cluster, "postgres"); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + ident(db) + " TEMPLATE template0 ENCODING 'UTF8'");
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test database " + db, e);
        }
        return cluster.endpoint(db);
    }

    /** An ordinary connection (caller closes it). */
    public Connection connect(LocalCluster cluster, String database) {
        return cluster.connections().open(cluster.endpoint(database), "fastcopy-test");
    }

    /**
     * A logical replication connection to {@code database} ({@code replication=database}), on which
     * PgJDBC's replication API (PGConnection.getReplicationAPI()) works. Caller closes it.
     */
    public Connection replicationConnection(LocalCluster cluster, String database) {
        return replicationConnection(cluster, database, Map.of());
    }

    /**
     * As {@link #replicationConnection(LocalCluster, String)} with more driver settings (e.g.
     * socketTimeout). The session's output settings are pinned ({@link PgOutputDecoder#SESSION_OPTIONS}),
     * since pgoutput sends every value as its type's text output, which depends on them.
     */
    public Connection replicationConnection(LocalCluster cluster, String database, Map<String, String> driverSettings) {
        return openReplication(cluster, database, driverSettings);
    }

    /** As {@link #replicationConnection(LocalCluster, String, Map)}, for a cluster of another version. */
    public static Connection openReplication(LocalCluster cluster, String database, Map<String, String> driverSettings) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("replication", "database");
        settings.put("assumeMinServerVersion", "10");
        settings.put("preferQueryMode", "simple");
        settings.put("options", PgOutputDecoder.SESSION_OPTIONS);
        settings.putAll(driverSettings);
        return cluster.connections().open(cluster.endpoint(database), "fastcopy-test-replication", settings);
    }

    private static FileChannel tryLock(Path dir) {
        try {
            Files.createDirectories(dir);
            dir.toFile().setExecutable(true, false);
            dir.getParent().toFile().setExecutable(true, false);
            dir.getParent().getParent().toFile().setExecutable(true, false);
            FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (ch.tryLock() != null) {
                return ch;
            }
            ch.close();
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
