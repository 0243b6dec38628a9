package org.fastcopy.copy;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The copy's steps carry one name each: in the STEP log lines, the report's keys and the meters. */
class PhaseClockTest {

    @Test
    void shouldLogNumberedStepsAndReportThemUnderTheSameNames() {
        List<CopyStep> finished = new ArrayList<>();
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream console = System.err;
        PhaseClock clock = new PhaseClock("[db] ", (step, nanos) -> finished.add(step));
        System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
        try {
            clock.start(CopyStep.SCHEMA_DUMP, "pg_dump");
            clock.skip(CopyStep.PRE_DATA, "the earlier run finished it");
            clock.start(CopyStep.DATA_AND_POST_DATA, "");
            clock.finish();
        } finally {
            System.setErr(console);
        }
        String log = logged.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("[db] STEP 3 schema dump: pg_dump", "[db] STEP 3 schema dump done in ",
                "[db] STEP 5 pre-data skipped: the earlier run finished it", "[db] STEP 6 data and post-data done in ");
        assertThat(log.indexOf("STEP 3 schema dump done in")).isLessThan(log.indexOf("STEP 5 pre-data skipped"));
        assertThat(clock.orderedMillis().keySet()).containsExactly("schema dump", "data and post-data");
        assertThat(finished).containsExactly(CopyStep.SCHEMA_DUMP, CopyStep.DATA_AND_POST_DATA);
    }

    @Test
    void shouldNumberTheStepsInTheirOrder() {
        assertThat(CopyStep.SNAPSHOT.number()).isEqualTo(1);
        assertThat(CopyStep.FINISH.number()).isEqualTo(CopyStep.values().length);
        assertThat(CopyStep.VERIFY).hasToString("STEP 11 verify");
    }
}
