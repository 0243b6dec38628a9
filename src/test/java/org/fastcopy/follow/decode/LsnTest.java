package org.fastcopy.follow.decode;

import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** LSNs read and print as pg_lsn does and order as unsigned numbers; commit times count from 2000. */
class LsnTest {
    @Test
    void parsesAndPrintsPgLsnText() {
        assertThat(Lsn.parse("16/B374D848").value()).isEqualTo(0x16_B374_D848L);
        assertThat(Lsn.parse("16/b374d848")).hasToString("16/B374D848");
        assertThat(Lsn.parse("0/0")).isEqualTo(Lsn.INVALID).hasToString("0/0");
        assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF").value()).isEqualTo(-1L);
        assertThat(Lsn.of(LogSequenceNumber.valueOf("1/2")).toPgJdbc().asString()).isEqualTo("1/2");
    }

    @Test
    void ordersAsUnsignedNumbers() {
        Lsn high = Lsn.parse("FFFFFFFF/0");
        Lsn low = Lsn.parse("7FFFFFFF/FFFFFFFF");
        assertThat(high).isGreaterThan(low);
        assertThat(high.isAfter(low)).isTrue();
        assertThat(low.isBefore(high)).isTrue();
        assertThat(high.bytesSince(low)).isEqualTo(0x7FFF_FFFF_0000_0001L);
        assertThat(low.bytesSince(high)).isZero();
    }

    @Test
    void refusesTextThatIsNoLsn() {
        for (String bad : new String[] {"", "/", "1/", "/1", "12", "1/2/3", "G/1", "123456789/0", "-1/0", "+1/0", " 1/0", null}) {
            assertThatThrownBy(() -> Lsn.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not an LSN").hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void commitTimesCountMicrosecondsFrom2000() {
        assertThat(PgEpoch.toInstant(0)).isEqualTo(Instant.parse("2000-01-01T00:00:00Z"));
        assertThat(PgEpoch.toInstant(-1)).isEqualTo(Instant.parse("1999-12-31T23:59:59.999999Z"));
        Instant t = Instant.parse("2026-12-05T07:00:00.123456Z");
        assertThat(PgEpoch.toInstant(PgEpoch.toMicros(t))).isEqualTo(t);
        assertThat(PgEpoch.toMicros(Instant.parse("2000-01-01T00:00:01.0000019Z"))).isEqualTo(1_000_001L);
    }
}
