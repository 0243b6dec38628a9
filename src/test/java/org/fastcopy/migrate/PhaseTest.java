package org.fastcopy.migrate;

import org.fastcopy.FastcopyException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --only and --from pick phases by number or name; anything else is one line, exit 2. */
class PhaseTest {
    @Test
    void shouldSelectBySubsetOrStartingPoint() {
        assertThat(Phase.select(null, null)).containsExactly(Phase.values());
        assertThat(Phase.select("4,3", null)).containsExactly(Phase.REFRESH_V3, Phase.CONVERT);
        assertThat(Phase.select("convert, 8", null)).containsExactly(Phase.CONVERT, Phase.WATERMARK);
        assertThat(Phase.select(null, "6")).containsExactly(Phase.REPOINT_TO_FLUX1, Phase.DROP_FLUX2_COPIES, Phase.WATERMARK);
    }

    @Test
    void shouldRefuseAnUnknownPhaseInOneLine() {
        for (Object[] bad : List.of(new Object[]{"3,9", null, "--only: unknown phase '9'"},
                new Object[]{"x", null, "--only: unknown phase 'x'"}, new Object[]{null, "0", "--from: unknown phase '0'"},
                new Object[]{"1", "2", "--only and --from contradict each other"})) {
            assertThatThrownBy(() -> Phase.select((String) bad[0], (String) bad[1]))
                    .isInstanceOf(FastcopyException.class)
                    .hasMessageStartingWith((String) bad[2])
                    .hasMessageNotContaining("\n")
                    .extracting(e -> ((FastcopyException) e).exitCode()).isEqualTo(FastcopyException.USAGE);
        }
    }
}
