package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code fastcopy migrate} refuses bad phases and bad plans in one line, exit 2, before anything runs. */
class MigrateCommandTest {
    @TempDir
    Path dir;

    private static void assertOneUsageLine(CliRun run) {
        assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isEqualTo(FastcopyException.USAGE);
        assertThat(run.errLines()).as("stderr").hasSize(1);
        assertThat(run.out()).as("stdout").isEmpty();
    }

    @Test
    void anUnknownPhaseIsOneLineNamingTheOption() {
        CliRun run = CliRun.of("migrate", "--plan", "conf/migrate.conf", "--only", "3,9");
        assertOneUsageLine(run);
        assertThat(run.err()).startsWith("fastcopy: --only: unknown phase '9' (phases are 1-8");

        CliRun from = CliRun.of("migrate", "--plan", "conf/migrate.conf", "--from", "verfiy");
        assertOneUsageLine(from);
        assertThat(from.err()).startsWith("fastcopy: --from: unknown phase 'verfiy'");
    }

    @Test
    void aMissingPlanIsOneLineNamingIt() {
        CliRun run = CliRun.of("migrate", "--plan", dir.resolve("nope.conf").toString());
        assertOneUsageLine(run);
        assertThat(run.err()).startsWith("fastcopy: --plan " + dir.resolve("nope.conf") + ": cannot read it");
    }

    @Test
    void aPlanWithAnUnknownKeyIsRefusedWithFileAndLine() throws IOException {
        Path plan = dir.resolve("plan.conf");
        Files.writeString(plan, "# plan\n[servers]\nproduction = 127.0.0.1\nflux-1 = 127.0.0.2\n");
        CliRun run = CliRun.of("migrate", "--plan", plan.toString(), "--dry-run");
        assertOneUsageLine(run);
        assertThat(run.err()).isEqualTo("fastcopy: " + plan + ":4: unknown key 'flux-1' in [servers] (known: production, "
                + "flux1, flux2, hosts-file)\n");
    }

    @Test
    void theShippedExamplePlanIsRefusedOnlyForItsExampleHosts() {
        CliRun run = CliRun.of("migrate", "--plan", "conf/migrate.conf", "--dry-run");
        assertOneUsageLine(run);
        assertThat(run.err()).matches("fastcopy: conf/migrate.conf:\\d+: production: host '.*example\\.org' does not resolve\\R");
    }
}
