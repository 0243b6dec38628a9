package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fastcopy.endpoint.Resolvers.resolver;

class ConninfoEndpointTest {
    @TempDir
    Path home;

    @Test
    void keywordValuePairsSetTheEndpoint() {
        Endpoint ep = resolver(home).resolve("host=db7 port=5433 user=mtt dbname=mttv3 sslmode=require sslrootcert=/etc/ca.crt");

        assertThat(ep.host()).isEqualTo("db7");
        assertThat(ep.port()).isEqualTo(5433);
        assertThat(ep.user()).isEqualTo("mtt");
        assertThat(ep.database()).isEqualTo("mttv3");
        assertThat(ep.options()).containsExactlyInAnyOrderEntriesOf(
                Map.of("sslmode", "require", "sslrootcert", "/etc/ca.crt"));
    }

    @Test
    void quotedValuesMayHoldSpacesQuotesAndBackslashes() {
        Endpoint ep = resolver(home).resolve("host = db7  dbname='my \\'big\\' db' options='-c search_path=a\\\\b'");

        assertThat(ep.database()).isEqualTo("my 'big' db");
        assertThat(ep.options()).containsEntry("options", "-c search_path=a\\b");
    }

    @Test
    void aBackslashEscapesInABareValue() {
        assertThat(resolver(home).resolve("host=db7 dbname=a\\ b").database()).isEqualTo("a b");
    }

    @Test
    void theLaterOfTwoEqualKeywordsWins() {
        assertThat(resolver(home).resolve("host=a host=b").host()).isEqualTo("b");
    }

    @Test
    void anUnknownKeywordIsNamed() {
        assertThatThrownBy(() -> resolver(home).resolve("host=a prot=5432"))
                .isInstanceOf(FastcopyException.class)
                .hasMessage("invalid connection string: unknown keyword 'prot'");
    }

    @Test
    void anUnterminatedQuoteIsAnError() {
        assertThatThrownBy(() -> resolver(home).resolve("host=a dbname='x"))
                .hasMessage("invalid connection string: unterminated quoted value for 'dbname'");
    }

    @Test
    void aKeywordWithoutEqualsSignIsAnError() {
        assertThatThrownBy(() -> resolver(home).resolve("host=a dbname"))
                .hasMessage("invalid connection string: missing '=' after 'dbname'");
    }

    @Test
    void anInvalidSslmodeIsCaughtBeforeAnyConnectionIsTried() {
        assertThatThrownBy(() -> resolver(home).resolve("host=a sslmode=verify_full"))
                .hasMessageContaining("sslmode 'verify_full' (from the connection string) is not one of")
                .extracting(e -> ((FastcopyException) e).exitCode()).isEqualTo(FastcopyException.USAGE);
    }

    @Test
    void hostaddrAloneIsAlsoTheHost() {
        Endpoint ep = resolver(home).resolve("hostaddr=10.0.0.7 dbname=x");

        assertThat(ep.host()).isEqualTo("10.0.0.7");
        assertThat(ep.options()).containsEntry("hostaddr", "10.0.0.7");
    }
}
