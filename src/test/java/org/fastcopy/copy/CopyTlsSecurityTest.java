package org.fastcopy.copy;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.fastcopy.verify.VerifyMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.copy.CopyFixture.column;
import static org.fastcopy.copy.CopyFixture.exec;
import static org.fastcopy.copy.CopyFixture.scalar;

/**
 * TLS settings of an endpoint reach every connection a copy makes, pg_dump's included. A third,
 * throwaway cluster of this class's own serves TLS with a self-signed certificate and refuses
 * every connection without it (pg_hba.conf hostnossl ... reject), so the shared clusters keep
 * their settings. sslmode=verify-ca with sslrootcert: a connection that did not get the root
 * certificate would fail to verify, so a passing copy proves both settings arrived everywhere.
 */
@ExtendWith(ClusterExtension.class)
class CopyTlsSecurityTest {
    private static LocalCluster tls;
    private static Path base;
    private static Path rootCert;

    private final TestClusters clusters;

    CopyTlsSecurityTest(TestClusters clusters) {
        this.clusters = clusters;
    }

    @BeforeAll
    static void startATlsOnlyCluster() throws Exception {
        base = Path.of("target", "test-clusters", "tls-" + ProcessHandle.current().pid()).toAbsolutePath();
        LocalCluster first = LocalCluster.start("tls", base);
        Path data = first.dataDir();
        Path key = data.resolve("server.key");
        Path crt = data.resolve("server.crt");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=fastcopy-test-tls", "-keyout", key.toString(), "-out", crt.toString())
                .redirectErrorStream(true).redirectOutput(base.resolve("openssl.log").toFile()).start();
        assertThat(openssl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(openssl.exitValue()).as(Files.readString(base.resolve("openssl.log"))).isZero();
        rootCert = Files.copy(crt, base.resolve("root.crt"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        if ("root".equals(System.getProperty("user.name"))) {
            UserPrincipal postgres = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(key, postgres);
            Files.setOwner(crt, postgres);
        }
        Files.writeString(data.resolve("postgresql.conf"), "\nssl = on\nssl_cert_file = 'server.crt'\n"
                + "ssl_key_file = 'server.key'\nlog_connections = on\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        Path hba = data.resolve("pg_hba.conf");
        Files.writeString(hba, "hostnossl all all 127.0.0.1/32 reject\nhostssl all all 127.0.0.1/32 scram-sha-256\n"
                + Files.readString(hba));
        // A restart, not a reload: the server has taken the settings when start returns.
        first.stop();
        tls = LocalCluster.start("tls", base);
    }

    @AfterAll
    static void stopIt() throws java.io.IOException {
        if (tls != null) {
            tls.destroy(); // stops it and removes its directory: nothing else uses this cluster
        }
        try (java.util.stream.Stream<Path> left = Files.walk(base)) {
            for (Path p : left.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static Endpoint tlsEndpoint(String db, String sslmode) {
        Endpoint plain = tls.endpoint(db);
        return new Endpoint("tls", plain.host(), plain.port(), plain.user(), db, plain.passfile(),
                Map.of("sslmode", sslmode, "sslrootcert", rootCert.toString()));
    }

    @Test
    void aConnectionWithoutTlsIsRefusedByThisCluster() {
        assertThatThrownBy(() -> tls.connections().open(tlsEndpoint("postgres", "disable"), "fastcopy-test").close())
                .isInstanceOf(FastcopyException.class).hasMessageContaining("pg_hba.conf");
    }

    @Test
    void sslmodeAndSslrootcertReachEveryConnectionOfTheCopyPgDumpIncluded() throws Exception {
        String db = clusters.newDatabaseName("tls");
        try (Connection admin = tls.connections().open(tlsEndpoint("postgres", "verify-ca"), "fastcopy-test")) {
            exec(admin, "CREATE DATABASE " + db);
        }
        Endpoint src = tlsEndpoint(db, "verify-ca");
        try (Connection c = tls.connections().open(src, "fastcopy-test")) {
            exec(c, "CREATE TABLE t (id int PRIMARY KEY, v text)");
            exec(c, "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 3000) g");
            exec(c, "CREATE TABLE u (id int PRIMARY KEY)");
            exec(c, "INSERT INTO u SELECT generate_series(1, 10)");
        }
        CopySpec spec = new CopySpec(src, clusters.flux2().endpoint(db), List.of(db), 2, 2, 1L << 30, true, false,
                VerifyMode.CHECKSUMS, false, Path.of("target", "copy-tls-work"), 64, 64 * 1024, false);
        // While a unit commits the workers' source sessions are connected: what does the server say of them?
        List<String> sessions = new ArrayList<>();
        CopyJob.Listener look = new CopyJob.Listener() {
            @Override
            public void unitCommitted(String database, PlannedUnit unit) {
                try (Connection c = tls.connections().open(tlsEndpoint("postgres", "verify-ca"), "fastcopy-test")) {
                    List<String> seen = column(c, "SELECT a.application_name || ' ssl=' || s.ssl FROM pg_stat_activity a"
                            + " JOIN pg_stat_ssl s USING (pid) WHERE a.datname = '" + db + "' AND a.application_name LIKE 'fastcopy%'");
                    synchronized (sessions) {
                        sessions.addAll(seen);
                    }
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        };

        CopyReport report = new CopyJob(spec, tls.connections(), look).run().get(0);

        assertThat(report.verify().ok()).isTrue();
        assertThat(sessions).isNotEmpty().allSatisfy(s -> assertThat(s).endsWith(" ssl=true"))
                .anySatisfy(s -> assertThat(s).startsWith("fastcopy-snapshot"))
                .anySatisfy(s -> assertThat(s).startsWith("fastcopy-copy-"));
        // pg_dump is gone by then; log_connections recorded how it came in.
        List<String> pgDump = Files.readAllLines(tls.dataDir().resolve("server.log")).stream()
                .filter(l -> l.contains("connection authorized") && l.contains("database=" + db)
                        && l.contains("application_name=pg_dump")).toList();
        assertThat(pgDump).isNotEmpty().allSatisfy(l -> assertThat(l).contains("SSL enabled"));
        try (Connection dst = clusters.connect(clusters.flux2(), db)) {
            assertThat(scalar(dst, "SELECT count(*) FROM t")).isEqualTo(3000);
        }
    }
}
