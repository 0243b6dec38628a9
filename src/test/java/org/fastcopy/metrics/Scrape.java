package org.fastcopy.metrics;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A scraper for tests: GET a path on the loopback port, and read one metric out of the text format. */
final class Scrape {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private Scrape() {
    }

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return send(port, path, "GET");
    }

    static HttpResponse<String> send(int port, String path, String method) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The /metrics text, asserting a 200. */
    static String metrics(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = get(port, PrometheusEndpoint.PATH);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics: " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /**
     * Sum of every sample of {@code metric} carrying all the given labels, over its other labels;
     * NaN when there is none.
     *
     * @param labels name, value, name, value, ...
     */
    static double sum(String text, String metric, String... labels) {
        Pattern sample = Pattern.compile("^" + Pattern.quote(metric) + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);
        Matcher m = sample.matcher(text);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            List<String> present = List.of(m.group(1).split(","));
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= present.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
            }
            if (all) {
                sum += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        return found ? sum : Double.NaN;
    }

    /** A plain TCP connect, so that no pooled HTTP connection can hide a closed port. */
    static void assertRefused(int port) {
        assertThatThrownBy(() -> new Socket(InetAddress.getByName("127.0.0.1"), port).close())
                .isInstanceOf(ConnectException.class);
    }
}
