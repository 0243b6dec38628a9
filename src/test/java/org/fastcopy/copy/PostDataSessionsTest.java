package org.fastcopy.copy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Without --index-jobs, the post-data sessions follow the round trip to the target: --jobs on
 * loopback, one more per job for each millisecond, never more than twice --jobs.
 */
class PostDataSessionsTest {
    private static final long US = 1_000;
    private static final long MS = 1_000_000;

    @Test
    void onLoopbackTheySeeAsManyAsJobs() {
        assertThat(CopySpec.postDataSessions(2, 60 * US)).isEqualTo(2);
        assertThat(CopySpec.postDataSessions(4, 200 * US)).isEqualTo(4);
    }

    @Test
    void eachMillisecondOfRoundTripAddsOnePerJobUpToTwiceJobs() {
        assertThat(CopySpec.postDataSessions(2, 500 * US)).isEqualTo(3);
        assertThat(CopySpec.postDataSessions(4, 999 * US)).isEqualTo(4 + 3);
        assertThat(CopySpec.postDataSessions(1, 999 * US)).isEqualTo(1);
        assertThat(CopySpec.postDataSessions(2, 1 * MS)).isEqualTo(4);
        assertThat(CopySpec.postDataSessions(2, 2 * MS)).isEqualTo(4);
        assertThat(CopySpec.postDataSessions(1, 2 * MS)).isEqualTo(2);
        assertThat(CopySpec.postDataSessions(8, 100 * MS)).isEqualTo(16);
    }

    @Test
    void theCapOnJobsHoldsAndANegativeMeasureCountsAsNone() {
        assertThat(CopySpec.postDataSessions(CopySpec.MAX_JOBS, 10 * MS)).isEqualTo(CopySpec.MAX_JOBS);
        assertThat(CopySpec.postDataSessions(3, -1)).isEqualTo(3);
    }
}
