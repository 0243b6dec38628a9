package org.fastcopy.convert;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * References with no match, per reference kind ("test_run.test_build_id", ...). Each stream counts
 * into its own instance (no sharing, no atomics on the hot path); the job merges them.
 */
final class Dangling {
    static final String MPI_INSTALL_SUBMIT = "mpi_install.submit_id";
    static final String TEST_BUILD_SUBMIT = "test_build.submit_id";
    static final String TEST_BUILD_INSTALL = "test_build.mpi_install_id";
    static final String TEST_RUN_SUBMIT = "test_run.submit_id";
    static final String TEST_RUN_BUILD = "test_run.test_build_id";
    /** A test_run whose test_build exists but has no flat mpi_install (its own reference dangled). */
    static final String TEST_RUN_INSTALL = "test_run.mpi_install_id";

    private final Map<String, Long> counts = new LinkedHashMap<>();

    void add(String kind, long n) {
        if (n != 0) {
            counts.merge(kind, n, Long::sum);
        }
    }

    void addAll(Dangling other) {
        other.counts.forEach(this::add);
    }

    long get(String kind) {
        return counts.getOrDefault(kind, 0L);
    }

    Map<String, Long> asMap() {
        return new LinkedHashMap<>(counts);
    }

    /** "k=v,k=v", the ledger's form. */
    String encode() {
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }

    static Dangling decode(String text) {
        Dangling d = new Dangling();
        if (text != null && !text.isEmpty()) {
            for (String part : text.split(",")) {
                int eq = part.indexOf('=');
                d.add(part.substring(0, eq), Long.parseLong(part.substring(eq + 1)));
            }
        }
        return d;
    }
}
