package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.cluster.LocalCluster;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line's error contract: a failure is one line on stderr, starting with the program
 * name and naming what is wrong, nothing on stdout, and the exit code says which kind of failure
 * it was (2 usage, 3 connection). A password never reaches the output.
 *
 * <p>Endpoints are resolved from the real environment here, so cases that need the password name
 * their password file in the endpoint itself (passfile=).
 */
@ExtendWith(ClusterExtension.class)
class CommandFailureTest {
    private static final String SECRET = "Not-Printed-9931";

    @TempDir
    Path dir;

    /** A loopback port that is bound but not listening, so connecting to it is refused. */
    private static Socket reservedPort() throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return s;
    }

    private static void assertOneErrorLine(CliRun run, int exitCode) {
        assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isEqualTo(exitCode);
        assertThat(run.errLines()).as("stderr").hasSize(1);
        assertThat(run.err()).startsWith("fastcopy: ");
        assertThat(run.out()).as("stdout").isEmpty();
    }

    @ParameterizedTest(name = "fastcopy {0}")
    @ValueSource(strings = {"generate --dst flux/9", "--src flux/9 --dst flux2 --db mttv3"})
    void aNameThatIsNeitherAServiceNorAHostIsAUsageErrorNamingIt(String args) {
        CliRun run = CliRun.of(args.split(" "));

        assertOneErrorLine(run, FastcopyException.USAGE);
        assertThat(run.err()).startsWith("fastcopy: unknown endpoint 'flux/9': not a service in ")
                .contains("a postgresql:// URI or a host name");
    }

    @Test
    void aNameThatIsNoServiceIsTriedAsAHostAndAnUnknownHostIsAConnectionError() {
        CliRun run = CliRun.of("generate", "--dst", "flux9.invalid");

        assertOneErrorLine(run, FastcopyException.CONNECTION);
        assertThat(run.err()).startsWith("fastcopy: cannot connect to flux9.invalid (")
                .endsWith(": unknown host 'flux9.invalid'" + System.lineSeparator());
    }

    @Test
    void aPortNobodyListensOnIsAConnectionErrorNamingTheEndpoint() throws IOException {
        try (Socket reserved = reservedPort()) {
            int port = reserved.getLocalPort();
            String uri = "postgresql://postgres@127.0.0.1:" + port + "/postgres";

            CliRun run = CliRun.of("generate", "--dst", uri);

            assertOneErrorLine(run, FastcopyException.CONNECTION);
            assertThat(run.errLines()).containsExactly(
                    "fastcopy: cannot connect to " + uri + " (postgres@127.0.0.1:" + port + "/postgres): connection refused");
        }
    }

    @Test
    void aUriHoldingAPasswordIsAUsageErrorThatDoesNotRepeatThePassword() {
        CliRun run = CliRun.of("generate", "--dst", "postgresql://postgres:" + SECRET + "@127.0.0.1:5432/postgres");

        assertOneErrorLine(run, FastcopyException.USAGE);
        assertThat(run.err()).startsWith("fastcopy: a postgresql:// URI holds a password, which fastcopy refuses")
                .doesNotContain(SECRET);
    }

    @Test
    void aWrongPasswordIsAConnectionErrorThatDoesNotPrintThePassword(TestClusters clusters) throws IOException {
        LocalCluster flux1 = clusters.flux1();
        Path passfile = dir.resolve("pgpass");
        Files.writeString(passfile, "127.0.0.1:*:*:postgres:" + SECRET + "\n");
        Files.setPosixFilePermissions(passfile, PosixFilePermissions.fromString("rw-------"));
        String conninfo = "host=127.0.0.1 port=" + flux1.port() + " user=postgres passfile=" + passfile;

        CliRun run = CliRun.of("generate", "--dst", conninfo, "--db", "never_created");

        assertOneErrorLine(run, FastcopyException.CONNECTION);
        assertThat(run.err()).contains("(postgres@127.0.0.1:" + flux1.port() + "/postgres): "
                        + "password authentication failed for user 'postgres' (the password came from " + passfile)
                .doesNotContain(SECRET);
    }

    @ParameterizedTest(name = "--scale {0}")
    @ValueSource(strings = {"-1", "0", "1e9"})
    void aScaleOutOfRangeIsAUsageErrorNamingScaleBeforeAnyConnection(String scale) throws IOException {
        // the endpoint refuses connections: a check made after connecting would exit 3, not 2
        try (Socket reserved = reservedPort()) {
            CliRun run = CliRun.of("generate", "--dst", "postgresql://postgres@127.0.0.1:" + reserved.getLocalPort(),
                    "--scale", scale);

            assertOneErrorLine(run, FastcopyException.USAGE);
            assertThat(run.err()).startsWith("fastcopy: --scale ");
        }
    }

    @Test
    void aMissingRequiredOptionIsAUsageErrorNamingIt() {
        CliRun run = CliRun.of("generate", "--db", "mttv3");

        assertThat(run.exitCode()).isEqualTo(FastcopyException.USAGE);
        assertThat(run.err()).contains("--dst").contains("Try 'fastcopy generate --help'");
        assertThat(run.out()).isEmpty();
    }

    @ParameterizedTest(name = "fastcopy {0}")
    @ValueSource(strings = {"generate --dst flux1 --dts", "--srcc", "demo --sclae", "convert --bogus", "generate --dts"})
    void anUnknownOptionIsAUsageErrorNamingItAndPointingAtHelp(String args) {
        String[] argv = args.split(" ");
        String option = argv[argv.length - 1];
        String command = argv.length > 1 ? "fastcopy " + argv[0] : "fastcopy";

        CliRun run = CliRun.of(argv);

        assertThat(run.exitCode()).isEqualTo(FastcopyException.USAGE);
        assertThat(run.errLines()).containsExactly(
                (argv.length > 1 ? argv[0] : "fastcopy") + ": Unknown option: '" + option + "'",
                "Try '" + command + " --help' for more information.");
        assertThat(run.out()).isEmpty();
    }
}
