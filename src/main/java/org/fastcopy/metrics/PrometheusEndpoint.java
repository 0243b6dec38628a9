package org.fastcopy.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /metrics} in Prometheus' text format, served by the JDK's own HTTP server: one
 * endpoint needs no servlet container in the jar. It lives as long as the run: start it before the
 * copy, close it in {@code finally}; once closed the port refuses connections.
 *
 * <p>Binds to loopback unless told otherwise: the meters name databases and tables, which a
 * scraper on the same host (or a tunnel) may read but the whole network should not by default.
 *
 * <p>Scrapes are rendered on the server's one daemon thread, never on a copy thread, so a slow or
 * stuck scraper delays only the next scrape.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("fastcopy");
    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final String PATH = "/metrics";
    /** The text exposition format 0.0.4, which {@link PrometheusMeterRegistry#scrape()} writes. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private PrometheusEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Listens on {@code bind:port} (port 0: any free port, see {@link #port()}) and serves the registry.
     *
     * @throws IOException the address does not resolve or the port cannot be bound (in use, privileged)
     */
    public static PrometheusEndpoint start(PrometheusMeterRegistry registry, String bind, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bind), port), 0);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.createContext(PATH, exchange -> serve(exchange, registry));
        server.setExecutor(executor);
        server.start();
        PrometheusEndpoint endpoint = new PrometheusEndpoint(server, executor);
        log.info("metrics: http://{}:{}{}", bind, endpoint.port(), PATH);
        return endpoint;
    }

    /** The port it listens on: the one asked for, or the one chosen for port 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    private static void serve(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            // The context matches every path that starts with /metrics; only the path itself is ours.
            if (!PATH.equals(exchange.getRequestURI().getPath())) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            if (method.equals("HEAD")) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Stops listening at once (a scrape in progress is cut off) and ends the server's thread. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
