package org.fastcopy.testing;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.generate.GenerateSpec;
import org.fastcopy.generate.MttV3Generator;
import org.fastcopy.generate.YearSpan;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import static org.fastcopy.util.Sql.ident;

/**
 * The two clusters every test shares: {@code flux1} plays the source server, {@code flux2} the
 * target. Tests isolate themselves by database name, never by cluster, so test classes can run in
 * any order against the same two servers.
 */
public final class TestClusters {
    private final LocalCluster flux1;
    private final LocalCluster flux2;
    private final AtomicInteger counter = new AtomicInteger();
    private String mttV3;

    TestClusters(LocalCluster flux1, LocalCluster flux2) {
        this.flux1 = flux1;
        this.flux2 = flux2;
    }

    public LocalCluster flux1() {
        return flux1;
    }

    public LocalCluster flux2() {
        return flux2;
    }

    /**
     * A small generated MTT v3 database on flux1 (two years of weekly children, a few thousand
     * results, dangling references included), made once per test JVM and shared: tests read it and
     * copy it, never change it.
     */
    public synchronized String mttV3() {
        if (mttV3 == null) {
            String db = "mttv3_fixture";
            GenerateSpec spec = GenerateSpec.defaults(db).withScale(0.003).withSeed(7)
                    .withYears(new YearSpan(2014, 2015)).withDangling(0.01).withDropIfExists(true);
            new MttV3Generator(flux1.connections(), flux1.endpoint("postgres")).generate(spec);
            mttV3 = db;
        }
        return mttV3;
    }

    /** A database name no other test in this JVM uses (the database is not created). */
    public String newDatabaseName(String prefix) {
        return prefix + "_" + ProcessHandle.current().pid() + "_" + counter.incrementAndGet();
    }

    /** Creates an empty UTF8 database on the cluster and returns its endpoint. */
    public Endpoint createDatabase(LocalCluster cluster, String prefix) {
        String db = newDatabaseName(prefix);
        try (Connection c = cluster.connections().open(cluster.endpoint("postgres"), "fastcopy-test");
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + ident(db) + " TEMPLATE template0 ENCODING 'UTF8'");
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test database " + db, e);
        }
        return cluster.endpoint(db);
    }

    /** Opens a connection to a database on a cluster (caller closes it). */
    public Connection connect(LocalCluster cluster, String database) {
        return cluster.connections().open(cluster.endpoint(database), "fastcopy-test");
    }
}
