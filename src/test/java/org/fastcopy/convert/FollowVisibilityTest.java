package org.fastcopy.convert;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whether a v3 snapshot ({@code txid_current_snapshot()}: xmin:xmax:running, 64-bit xids) sees the
 * streamed transactions, which pgoutput names by their 32-bit xids.
 */
class FollowVisibilityTest {
    private static final long EPOCH_3 = 3L << 32;

    @Test
    void aTransactionBeforeXmaxAndNotRunningIsSeen() {
        FollowVisibility v = with(1000, 1005);
        assertThat(v.firstHidden("990:1010:995,1001")).isEqualTo(-1);
    }

    @Test
    void aTransactionStillRunningInTheSnapshotIsHidden() {
        FollowVisibility v = with(1000, 1001);
        assertThat(v.firstHidden("995:1010:995,1001,1007")).isEqualTo(1001);
    }

    @Test
    void aTransactionAtOrAfterXmaxIsHidden() {
        assertThat(with(1010).firstHidden("995:1010:")).isEqualTo(1010);
        assertThat(with(1012).firstHidden("995:1010:")).isEqualTo(1012);
    }

    @Test
    void theEpochIsTakenFromXmaxAcrossAWraparound() {
        // xmax just past a wraparound into epoch 3; the transaction from the end of epoch 2
        long xmax = EPOCH_3 + 5;
        assertThat(FollowVisibility.widen(0xFFFF_FFF0L, xmax)).isEqualTo(EPOCH_3 - 16);
        assertThat(with(0xFFFF_FFF0L).firstHidden((EPOCH_3 - 100) + ":" + xmax + ":")).isEqualTo(-1);
        assertThat(with(0xFFFF_FFF0L).firstHidden((EPOCH_3 - 100) + ":" + xmax + ":" + (EPOCH_3 - 16)))
                .isEqualTo(0xFFFF_FFF0L);
        // xmax at the end of epoch 3, a transaction already in epoch 4 (running when xmax was taken)
        assertThat(FollowVisibility.widen(3, EPOCH_3 + 0xFFFF_FFF0L)).isEqualTo((4L << 32) + 3);
        assertThat(with(3).firstHidden((EPOCH_3 + 0xFFFF_FF00L) + ":" + (EPOCH_3 + 0xFFFF_FFF0L) + ":")).isEqualTo(3);
    }

    @Test
    void aBatchWithoutTransactionsNeedsNoSnapshot() throws Exception {
        FollowVisibility v = new FollowVisibility(() -> { });
        v.await(null, () -> {
            throw new AssertionError("no keep-alive without a wait");
        });
        assertThat(v.waits()).isZero();
    }

    private static FollowVisibility with(long... xids) {
        FollowVisibility v = new FollowVisibility(() -> { });
        for (long x : xids) {
            v.add(x);
        }
        return v;
    }
}
