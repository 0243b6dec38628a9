package org.fastcopy.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * postgresql.conf lines for a throwaway local cluster sized for bulk loads on a small machine
 * (2 cores, a few GB to spare). These clusters hold nothing that must survive a crash, so
 * durability is traded for speed; every tool we benchmark runs against the same settings.
 */
final class ClusterSettings {
    private ClusterSettings() {
    }

    /** @param versionNum the server's version as server_version_num counts it (90624 for 9.6.24) */
    static Map<String, String> bulkLoad(int versionNum) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("listen_addresses", "'127.0.0.1'");
        // TCP only: a Unix socket path must fit in 107 bytes, and deep build dirs break that.
        s.put("unix_socket_directories", "''");
        s.put("max_connections", "100");
        s.put("shared_buffers", "'512MB'");
        s.put("maintenance_work_mem", "'512MB'");
        s.put("work_mem", "'16MB'");
        s.put("max_wal_size", "'4GB'");
        s.put("checkpoint_timeout", "'30min'");
        // Throwaway data: no fsync, no torn-page protection, no WAL beyond crash recovery.
        s.put("fsync", "off");
        s.put("full_page_writes", "off");
        s.put("synchronous_commit", "off");
        s.put("wal_level", "minimal");
        s.put("max_wal_senders", "0");
        if (versionNum >= 110_000) {
            s.put("jit", "off");
        }
        s.put("max_parallel_workers_per_gather", "1");
        // max_locks_per_transaction stays at its default (64) on purpose: fastcopy must work
        // against servers with default settings, so the test clusters must not hide lock-table
        // exhaustion when thousands of inheritance children are touched in one transaction.
        s.put("logging_collector", "off");
        s.put("log_min_messages", "warning");
        s.put("log_line_prefix", "'%m [%p] %d '");
        return s;
    }

    /**
     * Overrides, given on the postmaster's command line, that put back PostgreSQL's own durable
     * defaults: every commit waits for its WAL flush, as on a production server. For benchmarks
     * whose baseline is a per-row commit loop (the old MTT converter): with fsync off such a loop
     * costs only its round trips, and any comparison against it flatters the loop.
     */
    static Map<String, String> durable() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("fsync", "on");
        s.put("full_page_writes", "on");
        s.put("synchronous_commit", "on");
        s.put("wal_level", "replica");
        return s;
    }
}
