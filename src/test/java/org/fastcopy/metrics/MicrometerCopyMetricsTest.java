package org.fastcopy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.fastcopy.data.CopyFormat;
import org.fastcopy.data.CopyResult;
import org.fastcopy.data.CopyUnit;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fastcopy.metrics.MetricNames.*;

/** The tracker on its own: which tables get a tag, what the unit gauges and counters add up to. */
class MicrometerCopyMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CopyMetrics metrics = MicrometerCopyMetrics.factory(registry).forDatabase("mttv3");

    private static CopyResult result(String table, long rows, long bytes) {
        return new CopyResult(CopyUnit.table("public", table, List.of("id")), CopyFormat.BINARY, rows, rows, bytes,
                4, 2_000_000, 50_000_000);
    }

    private Set<String> tableTags(String meter) {
        return registry.find(meter).meters().stream().map(m -> m.getId().getTag(TAG_TABLE)).collect(Collectors.toSet());
    }

    private double sum(String meter) {
        return registry.find(meter).tag(TAG_DB, "mttv3").counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void shouldTagOnlyTheLargestTablesAndAddTheRestIntoOther() {
        Map<String, Long> bytesByTable = new LinkedHashMap<>();
        int tables = MicrometerCopyMetrics.TAGGED_TABLES + 5;
        for (int i = 0; i < tables; i++) {
            bytesByTable.put(String.format("public.t%02d", i), 1000L * (tables - i));
        }
        metrics.planned(tables, bytesByTable);

        assertThat(tableTags(BYTES_COPIED)).hasSize(MicrometerCopyMetrics.TAGGED_TABLES + 1)
                .contains("public.t00", String.format("public.t%02d", MicrometerCopyMetrics.TAGGED_TABLES - 1), OTHER_TABLES)
                .doesNotContain(String.format("public.t%02d", MicrometerCopyMetrics.TAGGED_TABLES));

        for (String t : List.of("t00", "t21", "t24")) {
            metrics.unitStarted();
            metrics.unitDone("public." + t, result(t, 10, 700));
        }
        assertThat(registry.get(ROWS_COPIED).tag(TAG_TABLE, "public.t00").counter().count()).isEqualTo(10);
        assertThat(registry.get(ROWS_COPIED).tag(TAG_TABLE, OTHER_TABLES).counter().count()).isEqualTo(20);
        assertThat(sum(BYTES_COPIED)).isEqualTo(2100);
        assertThat(registry.get(UNIT_DURATION).tag(TAG_TABLE, OTHER_TABLES).timer().count()).isEqualTo(2);
        assertThat(tableTags(ROWS_COPIED)).hasSize(MicrometerCopyMetrics.TAGGED_TABLES + 1);
    }

    @Test
    void shouldLeaveOtherOutWhenEveryTableHasATagOfItsOwn() {
        metrics.planned(2, Map.of("public.a", 10L, "public.b", 20L));

        assertThat(tableTags(BYTES_COPIED)).containsExactlyInAnyOrder("public.a", "public.b");
    }

    @Test
    void shouldCountUnitsInFlightAcrossRetriesAndCommits() {
        metrics.planned(2, Map.of("public.a", 10L, "public.b", 20L));
        metrics.unitStarted();
        metrics.unitStarted();
        assertThat(registry.get(UNITS_IN_FLIGHT).gauge().value()).isEqualTo(2);

        metrics.unitRetried();
        metrics.unitStarted();
        metrics.unitDone("public.a", result("a", 3, 30));
        assertThat(registry.get(UNITS_IN_FLIGHT).gauge().value()).isEqualTo(1);

        metrics.unitDone("public.b", result("b", 4, 40));
        assertThat(registry.get(UNITS_IN_FLIGHT).gauge().value()).isZero();
        assertThat(registry.get(UNITS_PLANNED).gauge().value()).isEqualTo(2);
        assertThat(registry.get(UNITS_DONE).counter().count()).isEqualTo(2);
        assertThat(registry.get(UNITS_RETRIED).counter().count()).isEqualTo(1);
        assertThat(registry.get(RING_FULL).timer().count()).isEqualTo(2);
        assertThat(registry.get(RING_FULL).timer().totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(4);
    }

    @Test
    void shouldAddStreamedBytesToOneCounterBuiltBeforehand() {
        Meter before = registry.get(BYTES_STREAMED).counter();
        metrics.bytesStreamed(100);
        metrics.bytesStreamed(23);

        assertThat(registry.get(BYTES_STREAMED).counter()).isSameAs(before);
        assertThat(registry.get(BYTES_STREAMED).counter().count()).isEqualTo(123);
    }

    @Test
    void shouldGiveTheSameTrackerForTheSameDatabase() {
        CopyMetrics.Factory factory = MicrometerCopyMetrics.factory(registry);

        assertThat(factory.forDatabase("a")).isSameAs(factory.forDatabase("a")).isNotSameAs(factory.forDatabase("b"));
    }
}
