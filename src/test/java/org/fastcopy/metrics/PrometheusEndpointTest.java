package org.fastcopy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.BindException;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The HTTP side alone: what a scraper gets, what it does not, and a closed port after close. */
class PrometheusEndpointTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @Test
    void shouldServeTheRegistryInPrometheusTextFormatUntilClosed() throws Exception {
        Counter.builder(MetricNames.ROWS_COPIED).tags(MetricNames.TAG_DB, "d", MetricNames.TAG_TABLE, "public.t")
                .register(registry).increment(42);
        int port;
        try (PrometheusEndpoint endpoint = PrometheusEndpoint.start(registry, PrometheusEndpoint.DEFAULT_BIND, 0)) {
            port = endpoint.port();
            HttpResponse<String> r = Scrape.get(port, "/metrics");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue(PrometheusEndpoint.CONTENT_TYPE);
            assertThat(r.body()).contains("# TYPE fastcopy_rows_copied_total counter")
                    .contains("fastcopy_rows_copied_total{db=\"d\",table=\"public.t\"} 42.0");
            assertThat(Scrape.get(port, "/metricsz").statusCode()).isEqualTo(404);
            assertThat(Scrape.get(port, "/").statusCode()).isEqualTo(404);
            assertThat(Scrape.send(port, "/metrics", "POST").statusCode()).isEqualTo(405);
        }
        Scrape.assertRefused(port);
    }

    @Test
    void shouldRefuseToStartOnAPortInUse() throws Exception {
        try (PrometheusEndpoint first = PrometheusEndpoint.start(registry, PrometheusEndpoint.DEFAULT_BIND, 0)) {
            assertThatThrownBy(() -> PrometheusEndpoint.start(registry, PrometheusEndpoint.DEFAULT_BIND, first.port()))
                    .isInstanceOf(BindException.class);
            assertThat(Scrape.get(first.port(), "/metrics").statusCode()).isEqualTo(200);
        }
    }
}
