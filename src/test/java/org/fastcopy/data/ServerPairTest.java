package org.fastcopy.data;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A table's COPY format, from its types and the two servers: the rule the plan states. */
class ServerPairTest {

    @Test
    void betweenOneMajorVersionEveryTableWithBinaryIoGoesBinary() {
        ServerPair same = new ServerPair(150004, 150010, true, true);
        assertThat(same.formatFor(BinaryIo.ANY_MAJOR)).isEqualTo(CopyFormat.BINARY);
        assertThat(same.formatFor(BinaryIo.SAME_MAJOR)).isEqualTo(CopyFormat.BINARY);
        assertThat(same.formatFor(BinaryIo.NONE)).isEqualTo(CopyFormat.TEXT);
        assertThat(new ServerPair(90624, 90610, true, true).formatFor(BinaryIo.SAME_MAJOR)).isEqualTo(CopyFormat.BINARY);
    }

    @Test
    void userTypesInsideArraysOrCompositesGoBinaryOnlyBetweenServersFrom14() {
        assertThat(new ServerPair(140020, 140020, true, true).formatFor(BinaryIo.NESTED_USER_TYPES)).isEqualTo(CopyFormat.BINARY);
        assertThat(new ServerPair(130023, 130023, true, true).formatFor(BinaryIo.NESTED_USER_TYPES)).isEqualTo(CopyFormat.TEXT);
        assertThat(new ServerPair(90624, 90624, true, true).formatFor(BinaryIo.NESTED_USER_TYPES)).isEqualTo(CopyFormat.TEXT);
        assertThat(new ServerPair(140020, 150004, true, true).formatFor(BinaryIo.NESTED_USER_TYPES)).isEqualTo(CopyFormat.TEXT);
    }

    @Test
    void fromAnOlderMajorOnlyTheBuiltInTypesWhoseFormatBothShareGoBinary() {
        ServerPair upward = new ServerPair(90624, 150004, true, true);
        assertThat(upward.formatFor(BinaryIo.ANY_MAJOR)).isEqualTo(CopyFormat.BINARY);
        assertThat(upward.formatFor(BinaryIo.SAME_MAJOR)).isEqualTo(CopyFormat.TEXT);
        assertThat(upward.describe()).contains("between major versions 9.6 and 15");
        assertThat(new ServerPair(150004, 170002, true, true).formatFor(BinaryIo.ANY_MAJOR)).isEqualTo(CopyFormat.BINARY);
    }

    @Test
    void intoAnOlderMajorADifferentEncodingOrFloatDatetimesEverythingGoesText() {
        assertThat(new ServerPair(170002, 150004, true, true).formatFor(BinaryIo.ANY_MAJOR)).isEqualTo(CopyFormat.TEXT);
        assertThat(new ServerPair(150004, 150004, false, true).formatFor(BinaryIo.ANY_MAJOR)).isEqualTo(CopyFormat.TEXT);
        assertThat(new ServerPair(90624, 150004, true, false).formatFor(BinaryIo.ANY_MAJOR)).isEqualTo(CopyFormat.TEXT);
        assertThat(new ServerPair(90624, 90520, true, true).formatFor(BinaryIo.ANY_MAJOR)).as("9.6 into 9.5").isEqualTo(CopyFormat.TEXT);
    }
}
