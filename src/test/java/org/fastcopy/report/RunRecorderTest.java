package org.fastcopy.report;

import org.fastcopy.FastcopyException;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The recorder without a database: bounded whatever the run's size, exact in its totals, scoped
 * to the threads of its run, and honest about a run that failed.
 */
class RunRecorderTest {

    @Test
    void tensOfThousandsOfUnitsStayWithinTheBudgetWhileTheTotalsStayExact() throws Exception {
        RunRecorder recorder = new RunRecorder("big", 1000);
        int perWorker = 12_500;
        List<Thread> workers = new ArrayList<>();
        try (RunRecorder.Scope scope = RunRecorder.install(recorder)) {
            for (int w = 0; w < 4; w++) {
                Thread t = new Thread(() -> {
                    for (int i = 0; i < perWorker; i++) {
                        RunRecorder.current().begin(Span.Kind.UNIT, "public.t" + i);
                        RunRecorder.current().end(10, 100);
                    }
                }, "copy-worker-" + (w + 1));
                workers.add(t);
                t.start();
            }
            for (Thread t : workers) {
                t.join();
            }
        }

        RunRecord run = recorder.finish(null);

        int drawn = run.lanes().values().stream().mapToInt(List::size).sum();
        int represented = run.lanes().values().stream().flatMap(List::stream).mapToInt(Span::count).sum();
        assertThat(drawn).isLessThanOrEqualTo(1000);
        assertThat(represented).isEqualTo(4 * perWorker);
        assertThat(run.lanes()).containsOnlyKeys("copy-worker-1", "copy-worker-2", "copy-worker-3", "copy-worker-4");
        assertThat(run.totals()).allSatisfy(t -> assertThat(t.count()).isEqualTo(perWorker))
                .allSatisfy(t -> assertThat(t.rows()).isEqualTo(10L * perWorker));
        assertThat(run.slowest()).hasSize(RunRecorder.SLOWEST).allSatisfy(s -> assertThat(s.count()).isOne());
        assertThat(HtmlReport.html(run)).hasSizeLessThan(2_000_000);
    }

    @Test
    void threadsOutsideTheRunReportIntoARecorderThatIsOff() throws Exception {
        RunRecorder recorder = new RunRecorder("scoped");
        AtomicReference<RunRecorder> seenOutside = new AtomicReference<>();
        Thread outside = new Thread(() -> seenOutside.set(RunRecorder.current()));
        try (RunRecorder.Scope scope = RunRecorder.install(recorder)) {
            Thread inside = new Thread(() -> {
                RunRecorder.current().begin(Span.Kind.DDL, "pre-data: TABLE \"t\"");
                RunRecorder.current().end(0, 0);
            }, "fastcopy-pre-data-1");
            inside.start();
            inside.join();
        }
        outside.start();
        outside.join();

        assertThat(seenOutside.get()).isNotSameAs(recorder);
        assertThat(RunRecorder.current()).isNotSameAs(recorder);
        assertThat(recorder.finish(null).lanes()).containsOnlyKeys("fastcopy-pre-data-1");
    }

    @Test
    void aFailedRunNamesTheStepItFailedInAndDrawsTheWorkInFlightAsUnfinished() {
        RunRecorder recorder = new RunRecorder("fastcopy --src a --dst b");
        try (RunRecorder.Scope scope = RunRecorder.install(recorder)) {
            recorder.stepStarted("copy db", "STEP 1 snapshot").done();
            recorder.stepSkipped("copy db", "STEP 5 pre-data", "the earlier run finished it");
            recorder.stepStarted("copy db", "STEP 6 data and post-data");
            recorder.begin(Span.Kind.UNIT, "public.big");
        }

        RunRecord run = recorder.finish(new FastcopyException(FastcopyException.FAILED, "public.big: connection lost"));
        Document page = Jsoup.parse(HtmlReport.html(run));

        assertThat(page.getElementById("outcome").text())
                .isEqualTo("FAILED in STEP 6 data and post-data (copy db) after " + Svg.duration(run.elapsed())
                        + ": public.big: connection lost");
        assertThat(page.select("#steps-table tr.failed").text()).contains("STEP 6 data and post-data");
        assertThat(page.select("#steps-table tr.skipped").text()).contains("the earlier run finished it");
        assertThat(page.select("#workers-chart rect.unfinished title").text()).startsWith("public.big");
        assertThat(page.getElementById("verify-none").text()).isEqualTo("No verify ran (the run failed before it).");
    }

    @Test
    void throughputKeepsItsBucketsAndItsTotalsWhenTheRunOutlastsThem() {
        Throughput t = new Throughput();
        long hour = 3_600_000_000_000L;
        t.add(0, hour, 3_600_000, 0);

        RunRecord.Rates rates = t.rates(hour);

        assertThat(rates.rows()).hasSizeLessThanOrEqualTo(Throughput.BUCKETS);
        double rows = 0;
        for (double perSecond : rates.rows()) {
            rows += perSecond * rates.bucketNanos() / 1e9;
        }
        assertThat(rows).isCloseTo(3_600_000, org.assertj.core.data.Offset.offset(1.0));
        assertThat(rates.rows()[0]).isCloseTo(1000, org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void workersAreDrawnPoolByPoolInTheOrderThePoolsStartedAndByNumberWithinOne() {
        List<String> firstAppearance = List.of("fastcopy-pre-data-2", "fastcopy-pre-data-1", "copy-worker-10",
                "copy-worker-2", "fastcopy-post-data-1", "copy-worker-1", "main");

        assertThat(HtmlReport.workerOrder(firstAppearance)).containsExactly("fastcopy-pre-data-1", "fastcopy-pre-data-2",
                "copy-worker-1", "copy-worker-2", "copy-worker-10", "fastcopy-post-data-1", "main");
    }
}
