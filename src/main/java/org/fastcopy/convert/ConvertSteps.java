package org.fastcopy.convert;

import org.fastcopy.report.RunRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs one {@link ConvertStep} at a time: logs "STEP n name" when it starts and "STEP n name done
 * in x s" when it ends (the copy job's format, copy/PhaseClock), and keeps each finished step's
 * time for the report (and for the HTML report, {@link RunRecorder}). A step that throws is not logged here: its error is logged once, by
 * whoever reports the failure.
 */
final class ConvertSteps {
    private static final Logger log = LoggerFactory.getLogger(ConvertJob.class);

    /** One step's work. */
    interface Body<T> {
        T run() throws SQLException;
    }

    private final List<ConvertReport.Step> done = new ArrayList<>();

    <T> T run(ConvertStep step, String detail, Body<T> body) throws SQLException {
        log.info("{}{}", step, detail.isEmpty() ? "" : ": " + detail);
        long t0 = System.nanoTime();
        RunRecorder.Step recorded = RunRecorder.current().stepStarted("convert", step.toString());
        T result = body.run();
        recorded.done();
        double seconds = (System.nanoTime() - t0) / 1e9;
        done.add(new ConvertReport.Step(step.number(), step.title, seconds));
        log.info(String.format(Locale.ROOT, "%s done in %.1f s", step, seconds));
        return result;
    }

    void skip(ConvertStep step, String why) {
        RunRecorder.current().stepSkipped("convert", step.toString(), why);
        log.info("{} skipped: {}", step, why);
    }

    /** The steps finished so far with their times, in order. */
    List<ConvertReport.Step> done() {
        return List.copyOf(done);
    }
}
