package org.fastcopy.endpoint;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class PgPassTest {
    @TempDir
    Path dir;
    Path file;

    @BeforeEach
    void setUp() {
        file = dir.resolve("pgpass");
    }

    private PgPass pgpass(String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return new PgPass(file);
    }

    @Test
    void theFirstMatchingLineWins() throws IOException {
        PgPass p = pgpass("""
                flux1:5432:mttv3:mtt:specific
                *:*:*:mtt:general
                flux1:5432:mttv3:mtt:too-late
                """);

        assertThat(p.find("flux1", 5432, "mttv3", "mtt")).contains("specific");
        assertThat(p.find("flux2", 5432, "mttv3", "mtt")).contains("general");
        assertThat(p.find("flux1", 5432, "mttv3", "other")).isEmpty();
    }

    @Test
    void eachOfTheFirstFourFieldsMustMatchExactlyOrBeAStar() throws IOException {
        PgPass p = pgpass("flux1:5432:*:mtt:pw\n");

        assertThat(p.find("flux1", 5432, "anydb", "mtt")).contains("pw");
        assertThat(p.find("flux1", 5433, "anydb", "mtt")).isEmpty();
        assertThat(p.find("FLUX1", 5432, "anydb", "mtt")).isEmpty();
        assertThat(p.find("flux", 5432, "anydb", "mtt")).as("no prefix match").isEmpty();
        assertThat(p.find("flux1x", 5432, "anydb", "mtt")).isEmpty();
    }

    @Test
    void backslashEscapesColonAndBackslashInFieldsAndPassword() throws IOException {
        PgPass p = pgpass("fe80\\:\\:1:5432:db\\\\x:mtt:pa\\:ss\\\\word\n");

        assertThat(p.find("fe80::1", 5432, "db\\x", "mtt")).contains("pa:ss\\word");
    }

    @Test
    void anEscapedStarIsALiteralStar() throws IOException {
        PgPass p = pgpass("\\*:5432:db:mtt:pw\n");

        assertThat(p.find("flux1", 5432, "db", "mtt")).isEmpty();
        assertThat(p.find("*", 5432, "db", "mtt")).contains("pw");
    }

    @Test
    void thePasswordEndsAtTheNextUnescapedColon() throws IOException {
        assertThat(pgpass("h:1:d:u:pw:extra\n").find("h", 1, "d", "u")).contains("pw");
    }

    @Test
    void commentsBlankLinesShortLinesAndCrlfAreHandled() throws IOException {
        PgPass p = pgpass("# *:*:*:*:commented\r\n\r\nh:1:d\r\nh:1:d:u:pw\r\n");

        assertThat(p.find("h", 1, "d", "u")).contains("pw");
    }

    @Test
    void localhostMatchesAUnixSocketConnectionAsInLibpq() throws IOException {
        PgPass p = pgpass("localhost:5432:*:mtt:pw\n");

        assertThat(p.find("/var/run/postgresql", 5432, "db", "mtt")).contains("pw");
        assertThat(p.find("/tmp", 5432, "db", "mtt")).contains("pw");
        assertThat(p.find("", 5432, "db", "mtt")).contains("pw");
        assertThat(p.find("localhost", 5432, "db", "mtt")).contains("pw");
        assertThat(p.find("127.0.0.1", 5432, "db", "mtt")).as("localhost is not 127.0.0.1").isEmpty();
    }

    @Test
    void anEmptyPasswordCountsAsNoPassword() throws IOException {
        assertThat(pgpass("h:1:d:u:\n").find("h", 1, "d", "u")).isEmpty();
    }

    @Test
    void aMissingFileGivesNoPassword() {
        assertThat(new PgPass(dir.resolve("absent")).find("h", 1, "d", "u")).isEmpty();
    }

    @Test
    void aFileTheGroupOrOthersCanReadIsIgnoredWithOneWarningNamingTheFileNotItsContent() throws IOException {
        Path shared = dir.resolve("shared-pgpass");
        Files.writeString(shared, "h:1:d:u:TopSecret\n");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));

        String log = captureStderr(() -> {
            assertThat(new PgPass(shared).find("h", 1, "d", "u")).isEmpty();
            assertThat(new PgPass(shared).find("h", 1, "d", "u")).isEmpty();
        });

        assertThat(log).contains("ignoring password file " + shared + ": it has group or world access")
                .doesNotContain("TopSecret");
        assertThat(log.lines().filter(l -> l.contains("group or world access"))).hasSize(1);
    }

    @Test
    void groupWriteAloneIsAlsoTooOpen() throws IOException {
        Path f = dir.resolve("gw");
        Files.writeString(f, "h:1:d:u:pw\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw--w----"));

        assertThat(new PgPass(f).find("h", 1, "d", "u")).isEmpty();
    }

    @Test
    void aDirectoryIsNotAPasswordFile() {
        assertThat(new PgPass(dir).find("h", 1, "d", "u")).isEmpty();
    }

    @Test
    void anEndpointIsLookedUpByItsHostPortDatabaseAndUser() throws IOException {
        pgpass("flux1.example.org:5432:mttv3:mtt:pw\n");
        Endpoint ep = new Endpoint("flux1", "flux1.example.org", 5432, "mtt", "mttv3", file, Map.of());

        assertThat(PgPass.lookup(ep)).contains("pw");
        assertThat(PgPass.lookup(ep.withDatabase("other"))).isEmpty();
    }

    @Test
    void anEndpointWithoutDatabaseIsLookedUpUnderTheUserNameAsLibpqDefaultsIt() throws IOException {
        pgpass("h:5432:mtt:mtt:pw\n");
        Endpoint ep = new Endpoint("h", "h", 5432, "mtt", null, file, Map.of());

        assertThat(PgPass.lookup(ep)).contains("pw");
    }

    @Test
    void anEndpointWithoutPassfileHasNoPassword() {
        assertThat(PgPass.lookup(new Endpoint("h", "h", 5432, "u", "d", null, Map.of()))).isEqualTo(Optional.empty());
    }

    /** The log appender writes to System.err, and looks the stream up at each message (observe/Logging). */
    private static String captureStderr(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
