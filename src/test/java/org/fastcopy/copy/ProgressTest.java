package org.fastcopy.copy;

import org.fastcopy.data.CopyFormat;
import org.fastcopy.data.CopyResult;
import org.fastcopy.metrics.CopyMetrics;
import org.fastcopy.plan.CopyPlan;
import org.fastcopy.plan.CopyPlan.PlannedUnit;
import org.fastcopy.plan.SourceTable;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The progress line of a copy whose tables were never analysed, so it can only go by bytes. */
class ProgressTest {
    private static final long MB = 1L << 20;

    private static SourceTable unanalysed(String name, long bytes) {
        return new SourceTable(1, "public", name, bytes, bytes / 8192, -1, List.of("a"));
    }

    @Test
    void withoutRowCountsTheBarScalesTheRestOfThePlanByWhatTheFinishedUnitsStreamed() {
        CopyPlan plan = CopyPlan.of(List.of(unanalysed("big", 300 * MB), unanalysed("small", 100 * MB)), Long.MAX_VALUE);
        Progress progress = new Progress(plan, Map.of(), CopyMetrics.NONE);
        assertThat(progress.expectedBytes()).isEqualTo(400 * MB);

        PlannedUnit big = plan.units().get(0);
        assertThat(big.table().name()).isEqualTo("big");
        // TOAST is compressed on disk and streamed plain: twice the planned bytes
        progress.unitDone(big, new CopyResult(big.unit(), CopyFormat.BINARY, 10, 10, 600 * MB, 1, 0, 1));

        assertThat(progress.expectedBytes()).isEqualTo(800 * MB);
        assertThat(progress.line()).contains("600.0 MB / ~800.0 MB").contains("75.0%");
    }
}
