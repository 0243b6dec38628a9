package org.fastcopy.dist;

import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.manual.Manual;
import org.fastcopy.testing.CliProcess;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Debian package that {@code mvn package} builds, installed and used as a user would: its
 * control fields, the README's install command resolved by apt (simulated: the machine is left as
 * it was), then the package unpacked into a scratch root with {@code dpkg -x}, where the installed
 * {@code fastcopy} prints its version and copies a database between the two test clusters, every
 * man page renders without a groff warning, and the bash completion loads and completes. The
 * scratch root is removed at the end. Runs in failsafe's integration-test phase, after package
 * ({@code .ci/run}: {@code mvn -B -DskipUnitTests verify}).
 */
@ExtendWith(ClusterExtension.class)
class PackageInstallIT {
    private static final String VERSION = System.getProperty("fastcopy.version");
    private static final Path DEB = Path.of("target", "fastcopy_" + VERSION + "_all.deb").toAbsolutePath();

    private final TestClusters clusters;

    PackageInstallIT(TestClusters clusters) {
        this.clusters = clusters;
    }

    @Test
    void thePackageDeclaresItsRuntimeAndAptCanInstallItHere() throws Exception {
        assertThat(VERSION).as("failsafe passes the project version").isNotBlank();
        Result fields = run(List.of("dpkg-deb", "--field", DEB.toString(),
                "Package", "Version", "Architecture", "Section", "Maintainer", "Depends"));
        assertThat(fields.code()).as(fields.output()).isZero();
        assertThat(fields.output())
                .contains("Package: fastcopy")
                .contains("Version: " + VERSION.replace('-', '~'))
                .contains("Architecture: all")
                .contains("Section: database")
                .containsPattern("Maintainer: .+ <.+@.+>")
                .contains("Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless, postgresql-client (>= 15)");

        // The README's `sudo apt-get install ./target/fastcopy_*_all.deb`, simulated: apt resolves the
        // Depends without changing the machine. This one has what the tests need, Debian's Java 17
        // (openjdk-17-jre-headless provides java17-runtime-headless) and PostgreSQL 15's client but
        // not the postgresql-client metapackage: the alternatives must be met by them, nothing added.
        Result apt = run(List.of("apt-get", "install", "--simulate", DEB.toString()));
        assertThat(apt.code()).as(apt.output()).isZero();
        assertThat(apt.output().lines().filter(l -> l.startsWith("Inst ")).toList()).as(apt.output())
                .containsExactly("Inst fastcopy (" + VERSION.replace('-', '~') + " local-deb [all])");
    }

    @Test
    void theInstalledCommandCopiesADatabaseAndComesWithItsManualAndCompletion() throws Exception {
        Path root = Files.createDirectories(Path.of("target", "package-root")).toAbsolutePath();
        deleteTree(root);
        Result unpack = run(List.of("dpkg", "-x", DEB.toString(), root.toString()));
        assertThat(unpack.code()).as(unpack.output()).isZero();
        try {
            Path fastcopy = root.resolve("usr/bin/fastcopy");
            assertThat(Files.isSymbolicLink(fastcopy)).isTrue();

            Result version = run(List.of(fastcopy.toString(), "--version"));
            assertThat(version.code()).as(version.output()).isZero();
            assertThat(version.output().strip()).isEqualTo("fastcopy " + VERSION);

            // /usr/bin/convert runs through the fastcopy launcher (its JVM settings) under its own name
            Path convert = root.resolve("usr/bin/convert");
            assertThat(Files.isSymbolicLink(convert)).isTrue();
            Result help = run(List.of(convert.toString(), "--help"));
            assertThat(help.code()).as(help.output()).isZero();
            assertThat(help.output()).startsWith("Usage: convert ").contains("--flat-db");

            copiesWithTheInstalledCommand(root, fastcopy);
            everyManPageRenders(root);
            bashCompletes(root);
        } finally {
            deleteTree(root);
        }
        assertThat(root).doesNotExist();
    }

    private void copiesWithTheInstalledCommand(Path root, Path fastcopy) throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), "pkg");
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id int PRIMARY KEY, v text)");
            st.execute("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 300) g");
        }
        Result copy = run(List.of(fastcopy.toString(), "--src", CliProcess.conninfo(clusters.flux1()),
                "--dst", CliProcess.conninfo(clusters.flux2()), "--db", src.database(), "--jobs", "1",
                "--verify", "checksums", "--workdir", root.resolve("work").toString()));
        assertThat(copy.code()).as(copy.output()).isZero();
        assertThat(copy.output()).contains("verify (checksums): 1 tables, 300 rows, all equal");
        try (Connection c = clusters.connect(clusters.flux2(), src.database()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), sum(id) FROM t")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(300);
            assertThat(rs.getLong(2)).isEqualTo(300L * 301 / 2);
        }
    }

    private static void everyManPageRenders(Path root) throws Exception {
        Path man1 = root.resolve("usr/share/man/man1");
        try (Stream<Path> files = Files.list(man1)) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
                    .containsExactlyInAnyOrderElementsOf(Manual.pageNames().stream().map(n -> n + ".1.gz").toList());
        }
        for (String page : Manual.pageNames()) {
            Path file = man1.resolve(page + ".1.gz");
            // -ww: every groff warning; -z: format, print nothing. A bad request or escape shows on stderr.
            Result groff = run(List.of("bash", "-c", "zcat \"$1\" | groff -man -Tutf8 -ww -z", "groff", file.toString()));
            assertThat(groff.code()).as(page + ": " + groff.output()).isZero();
            assertThat(groff.output()).as(page + " renders without warnings").isEmpty();
        }
        Result man = run(List.of("env", "MANWIDTH=100", "man", "-l", man1.resolve("fastcopy-verify.1.gz").toString()));
        assertThat(man.code()).as(man.output()).isZero();
        assertThat(man.output()).contains("FASTCOPY-VERIFY(1)").contains("fastcopy-verify - Compares a database")
                .contains("--mode=MODE").contains("Default: checksums.").contains("fastcopy(1)");
    }

    private static void bashCompletes(Path root) throws Exception {
        Path script = root.resolve("usr/share/bash-completion/completions/fastcopy");
        // What bash-completion does on the first Tab after "fastcopy veri": source the file, then call
        // the function it registered with the words typed so far.
        String session = "source \"$1\" && complete -p fastcopy"
                + " && COMP_WORDS=(fastcopy veri) COMP_CWORD=1 COMP_LINE='fastcopy veri' COMP_POINT=13"
                + " && _complete_fastcopy fastcopy veri fastcopy 2>/dev/null; echo \"words: ${COMPREPLY[*]}\"";
        Result bash = run(List.of("bash", "-c", session, "bash", script.toString()));
        assertThat(bash.code()).as(bash.output()).isZero();
        assertThat(bash.output()).contains("complete -o default -F _complete_fastcopy fastcopy").contains("words: verify");
    }

    record Result(int code, String output) {
    }

    /** Runs a command with this JVM's java first on PATH (the launchers exec 'java'); stdout and stderr together. */
    private static Result run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        pb.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
        pb.environment().remove("FASTCOPY_JAVA_OPTS");
        Process p = pb.start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " still running after 5 minutes:\n" + output);
        }
        return new Result(p.exitValue(), output);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
