package org.fastcopy.cli;

import org.fastcopy.FastcopyException;
import org.fastcopy.metrics.PrometheusEndpoint;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import picocli.CommandLine.Option;

import java.io.IOException;

/** --metrics-port and --metrics-bind, shared by copy, convert and migrate as a picocli mixin. */
final class MetricsOptions {
    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0",
            description = "Serve Prometheus metrics at http://ADDRESS:PORT/metrics while the command runs (0: off).")
    int port;

    @Option(names = "--metrics-bind", paramLabel = "ADDRESS", defaultValue = PrometheusEndpoint.DEFAULT_BIND,
            description = "Address the metrics endpoint listens on; the meters name databases and tables.")
    String bind;

    /** Refuses a port outside [0, 65535] before anything connects. */
    void validate() {
        if (port < 0 || port > 65535) {
            throw new FastcopyException(FastcopyException.USAGE, "--metrics-port " + port + " is not in [0, 65535]");
        }
    }

    boolean enabled() {
        return port != 0;
    }

    PrometheusEndpoint start(PrometheusMeterRegistry registry) {
        try {
            return PrometheusEndpoint.start(registry, bind, port);
        } catch (IOException e) {
            throw new FastcopyException(FastcopyException.USAGE, "cannot serve metrics on --metrics-bind " + bind
                    + " --metrics-port " + port + ": " + e.getMessage(), e);
        }
    }
}
