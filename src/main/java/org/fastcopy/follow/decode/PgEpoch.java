package org.fastcopy.follow.decode;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * PostgreSQL's internal timestamps count microseconds since 2000-01-01 00:00:00 UTC (not the Unix
 * epoch); the replication protocol sends commit times in that form.
 */
public final class PgEpoch {
    /** 2000-01-01T00:00:00Z. */
    public static final Instant EPOCH = Instant.parse("2000-01-01T00:00:00Z");
    private static final long EPOCH_SECONDS = EPOCH.getEpochSecond();

    private PgEpoch() {
    }

    /** The instant that {@code micros} (microseconds since 2000-01-01 UTC) stands for. */
    public static Instant toInstant(long micros) {
        return EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    /** Microseconds since 2000-01-01 UTC; sub-microsecond parts are dropped, as the server would. */
    public static long toMicros(Instant instant) {
        long seconds = instant.getEpochSecond() - EPOCH_SECONDS;
        return Math.addExact(Math.multiplyExact(seconds, 1_000_000L), instant.getNano() / 1_000);
    }
}
