package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The service conf rewrite changes the host and port of one section and nothing else. */
class ServiceConfTest {
    static final String CONF = """
            # the MTT service
            [mttv3]
            server: flux1
            port: 5432

            [mttflat]
            type: postgres
            # the password stays private
            password: s3cret
            server:   flux1.example.org
            port = 5432
            [other]
            server: flux1.example.org
            """;

    @TempDir
    Path dir;

    @Test
    void shouldChangeOnlyTheSectionsHostAndPortAndKeepABackupOfTheOriginal() throws IOException {
        Path conf = dir.resolve("mtt.conf");
        Files.writeString(conf, CONF);
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
        Path backup = dir.resolve("mtt.conf.bak");

        ServiceConf.repoint(conf, "mttflat", "server", "port", new ServiceConf.Address("flux2.example.org", 5433), backup);

        assertThat(Files.readString(conf)).isEqualTo(CONF.replace("server:   flux1.example.org", "server:   flux2.example.org")
                .replace("port = 5432", "port = 5433"));
        assertThat(Files.readString(backup)).isEqualTo(CONF);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(conf))).isEqualTo("rw-------");
        assertThat(ServiceConf.read(conf, "mttflat").pointsAt("server", "port", new ServiceConf.Address("flux2.example.org", 5433)))
                .isTrue();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("mtt.conf", "mtt.conf.bak");
        }
    }

    @Test
    void aSecondRewriteKeepsTheFirstBackup() throws IOException {
        Path conf = dir.resolve("mtt.conf");
        Files.writeString(conf, CONF);
        Path backup = dir.resolve("mtt.conf.bak");
        ServiceConf.repoint(conf, "mttflat", "server", "port", new ServiceConf.Address("a", 1), backup);
        ServiceConf.repoint(conf, "mttflat", "server", "port", new ServiceConf.Address("b", 2), backup);
        assertThat(Files.readString(backup)).isEqualTo(CONF);
        assertThat(ServiceConf.read(conf, "mttflat").value("server")).isEqualTo("b");
    }

    @Test
    void shouldAddMissingKeysInTheSectionsStyleAndKeepCrlfLineEndings() throws IOException {
        Path conf = dir.resolve("mtt.conf");
        String crlf = "[mttflat]\r\ntype: postgres\r\ndbname: mttflat\r\n\r\n[next]\r\nx: 1\r\n";
        Files.writeString(conf, crlf);
        ServiceConf.repoint(conf, "mttflat", "server", "port", new ServiceConf.Address("flux2", 5432), dir.resolve("b"));
        assertThat(Files.readString(conf)).isEqualTo(
                "[mttflat]\r\ntype: postgres\r\ndbname: mttflat\r\nserver: flux2\r\nport: 5432\r\n\r\n[next]\r\nx: 1\r\n");
    }

    @Test
    void aMissingSectionIsOneLineNamingIt() throws IOException {
        Path conf = dir.resolve("mtt.conf");
        Files.writeString(conf, CONF);
        assertThatThrownBy(() -> ServiceConf.read(conf, "nope")).isInstanceOf(FastcopyException.class)
                .hasMessage("service conf " + conf + " has no [nope] section");
    }
}
