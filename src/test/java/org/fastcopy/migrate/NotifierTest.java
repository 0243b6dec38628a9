package org.fastcopy.migrate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The notify command gets the phase event in its environment, never a password, and never holds the run up long. */
class NotifierTest {
    @TempDir
    Path dir;

    @Test
    void shouldRunTheCommandWithThePhaseDetailsInItsEnvironment() throws IOException {
        Path envFile = dir.resolve("env.txt");
        Notifier n = new Notifier("env > " + envFile, Duration.ofSeconds(20), Map.of("FASTCOPY_RUN_ID", "r1"));

        assertThat(n.send(Phase.CONVERT, Notifier.Event.FAIL, 12.345, "range 3 failed")).isTrue();

        String env = Files.readString(envFile);
        assertThat(env).contains("FASTCOPY_PHASE=4\n", "FASTCOPY_PHASE_NAME=convert\n", "FASTCOPY_EVENT=fail\n",
                "FASTCOPY_ELAPSED_S=12.3\n", "FASTCOPY_ERROR=range 3 failed\n", "FASTCOPY_RUN_ID=r1\n",
                "FASTCOPY_MESSAGE=fastcopy migrate: phase 4 convert failed after 12.3 s: range 3 failed\n");
    }

    @Test
    void theCommandNeverSeesPgpassword() throws IOException {
        Path out = dir.resolve("pw.txt");
        Map<String, String> inherited = new java.util.HashMap<>(System.getenv());
        inherited.put("PGPASSWORD", "hunter2");
        inherited.put("PGUSER", "mtt");
        Notifier n = new Notifier("echo \"[${PGPASSWORD-unset}] [$PGUSER]\" > " + out, Duration.ofSeconds(20), Map.of(),
                inherited);
        assertThat(n.send(Phase.COPY_TO_FLUX2, Notifier.Event.START, 0, null)).isTrue();
        assertThat(Files.readString(out)).isEqualTo("[unset] [mtt]\n");
    }

    @Test
    void aHangingCommandIsKilledAtTheTimeoutAndReportedAsNotSent() {
        Notifier n = new Notifier("sleep 30", Duration.ofMillis(300), Map.of());
        assertThat(n.send(Phase.WATERMARK, Notifier.Event.END, 1, null)).isFalse();
    }

    @Test
    void aFailingCommandIsReportedAsNotSent() {
        assertThat(new Notifier("exit 3", Duration.ofSeconds(20), Map.of()).send(Phase.VERIFY, Notifier.Event.START, 0, null))
                .isFalse();
        assertThat(new Notifier(null, Duration.ofSeconds(1), Map.of()).send(Phase.VERIFY, Notifier.Event.START, 0, null))
                .isFalse();
    }
}
