package org.fastcopy.convert;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.fastcopy.follow.decode.Lsn;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The follower's lag in seconds, as its meter and progress line show it. */
class FollowStatusTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FollowStatus status = new FollowStatus(new ConvertMeters(registry, "mttflat"), () -> 0);
    private final Lsn v3Now = Lsn.parse("0/3000000");
    private final Lsn flatAt = Lsn.parse("0/2000000");

    @Test
    void aFollowerBehindABacklogShowsLagInSecondsBetweenBatches() {
        Instant committed = Instant.now().minusSeconds(60);
        status.received(committed);
        status.applied(flatAt, 1, 100);
        // the next transaction is not received yet: flat holds one committed a minute ago
        status.measured(v3Now, flatAt);
        assertThat(status.lagSeconds()).isGreaterThanOrEqualTo(60);
        assertThat(registry.get(ConvertMeters.FOLLOW_LAG_SECONDS).gauge().value()).isGreaterThanOrEqualTo(60);
    }

    @Test
    void aReceivedTransactionNotYetInFlatCountsFromItsCommit() {
        status.received(Instant.now().minusSeconds(30));
        status.received(Instant.now());
        status.measured(v3Now, flatAt);
        assertThat(status.lagSeconds()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void aCaughtUpFollowerHasNoLagInSeconds() {
        status.received(Instant.now().minusSeconds(60));
        status.applied(flatAt, 1, 100);
        status.caughtUp();
        status.measured(v3Now, v3Now);
        assertThat(status.lagSeconds()).isZero();
    }

    @Test
    void theProgressLineShowsTheRateSinceItsLastLineSoAnIdleFollowerReadsZero() {
        status.applied(flatAt, 3, 5_000);
        assertThat(status.line()).startsWith("following: 3 v3 transactions, 5,000 flat rows (").doesNotContain("(0 rows/s)");
        // nothing applied since: whatever the average since the start, now it is 0
        assertThat(status.line()).startsWith("following: 3 v3 transactions, 5,000 flat rows (0 rows/s)");
    }

    @Test
    void theProgressLineSaysWhichTransactionABatchWaitsForV3ToShow() {
        long[] xid = {965_513};
        FollowStatus waiting = new FollowStatus(new ConvertMeters(new SimpleMeterRegistry(), "mttflat"), () -> xid[0]);
        assertThat(waiting.line()).contains(", waiting for v3 to show transaction 965513 to other sessions");
        xid[0] = 0;
        assertThat(waiting.line()).doesNotContain("waiting");
    }
}
