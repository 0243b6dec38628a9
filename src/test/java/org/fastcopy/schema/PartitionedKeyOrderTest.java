package org.fastcopy.schema;

import org.fastcopy.endpoint.Endpoint;
import org.fastcopy.testing.ClusterExtension;
import org.fastcopy.testing.TestClusters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A foreign key to a partitioned table needs the parent's unique index valid, which it is only once
 * every partition's index is attached: pg_dump makes the key depend on each INDEX ATTACH item.
 */
@ExtendWith(ClusterExtension.class)
class PartitionedKeyOrderTest {
    @TempDir
    Path workdir;

    /** Runs, partitioned by week, one week partitioned again by host, and results referencing it. */
    private static Endpoint partitionedSchema(TestClusters clusters, String name) throws Exception {
        Endpoint src = clusters.createDatabase(clusters.flux1(), name);
        try (Connection c = clusters.connect(clusters.flux1(), src.database()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE runs (id int, week int, host int, PRIMARY KEY (id, week, host)) PARTITION BY RANGE (week)");
            for (int w = 0; w < 4; w++) {
                st.execute("CREATE TABLE runs_w" + w + " PARTITION OF runs FOR VALUES FROM (" + (w * 10) + ") TO (" + (w * 10 + 10) + ")");
            }
            st.execute("CREATE TABLE runs_w4 PARTITION OF runs FOR VALUES FROM (40) TO (50) PARTITION BY LIST (host)");
            st.execute("CREATE TABLE runs_w4_h0 PARTITION OF runs_w4 FOR VALUES IN (0)");
            st.execute("CREATE TABLE runs_w4_other PARTITION OF runs_w4 DEFAULT");
            st.execute("CREATE TABLE runs_rest PARTITION OF runs DEFAULT");
            st.execute("CREATE TABLE results (id int, week int, host int, FOREIGN KEY (id, week, host) REFERENCES runs)");
            st.execute("INSERT INTO runs SELECT g, g % 60, g % 3 FROM generate_series(1, 600) g");
            st.execute("INSERT INTO results SELECT id, week, host FROM runs WHERE id % 2 = 0");
        }
        return src;
    }

    @Test
    void theKeyToAPartitionedTableWaitsForEveryIndexAttachEvenWhenTheyFinishLast(TestClusters clusters) throws Exception {
        Endpoint src = partitionedSchema(clusters, "pfk_graph");
        Endpoint dst = clusters.createDatabase(clusters.flux2(), "pfk_graph");
        try (SchemaCopyHarness h = new SchemaCopyHarness(clusters.flux1(), src, clusters.flux2(), dst, workdir)) {
            List<TocEntry> items = PostDataScheduler.items(h.postData.entries(), h.tables);
            Set<Integer> attaches = new HashSet<>();
            for (TocEntry e : items) {
                if (e.type().equals("INDEX ATTACH")) {
                    attaches.add(e.dumpId());
                }
            }
            TocEntry key = items.stream().filter(e -> e.type().equals("FK CONSTRAINT")).findFirst().orElseThrow();
            // every partition's key index, the sub-partitioned week's own and its leaves' included
            assertThat(attaches).hasSize(8);
            assertThat(key.dependencies()).containsAll(attaches);

            EntryGraph graph = new EntryGraph(items, PostDataScheduler.planner(h.tables));
            graph.closedExternalGates().forEach(graph::open);
            BatchLimit limit = PostDataScheduler.batchLimit(64);
            // An adversary that commits every other batch before any INDEX ATTACH: the key must
            // still be held back until the last attach has committed.
            List<EntryGraph.Batch> running = new ArrayList<>();
            Set<Integer> attached = new HashSet<>();
            boolean keyTaken = false;
            while (true) {
                EntryGraph.Batch b;
                while ((b = graph.poll(null, limit)) != null) {
                    running.add(b);
                    if (b.entries().stream().anyMatch(e -> e.dumpId() == key.dumpId())) {
                        assertThat(attached).as("attaches committed when the key was handed out").isEqualTo(attaches);
                        keyTaken = true;
                    }
                }
                if (running.isEmpty()) {
                    break;
                }
                EntryGraph.Batch next = running.stream()
                        .filter(r -> r.entries().stream().noneMatch(e -> e.type().equals("INDEX ATTACH")))
                        .findFirst().orElse(running.get(0));
                running.remove(next);
                graph.completed(next);
                next.entries().stream().filter(e -> e.type().equals("INDEX ATTACH")).forEach(e -> attached.add(e.dumpId()));
            }
            assertThat(graph.isDone()).isTrue();
            assertThat(keyTaken).isTrue();
        }
    }

    @Test
    void aKeyToAPartitionedTableCopiesExact(TestClusters clusters) throws Exception {
        Endpoint src = partitionedSchema(clusters, "pfk_copy");
        Endpoint dst = clusters.createDatabase(clusters.flux2(), "pfk_copy");
        try (SchemaCopyHarness h = new SchemaCopyHarness(clusters.flux1(), src, clusters.flux2(), dst, workdir)) {
            h.loadPreData(2);
            PostDataScheduler scheduler = new PostDataScheduler(clusters.flux2().connections(), dst, h.tables);
            try (scheduler) {
                scheduler.start(PostDataScheduler.items(h.postData.entries(), h.tables), 4);
                for (TocEntry e : h.preData.entries()) {
                    if (e.type().equals("TABLE")) {
                        scheduler.tableLoaded(e.schema(), e.name());
                    }
                }
                scheduler.awaitCompletion();
            }
        }
        assertThat(SchemaComparison.compare(clusters.flux1().connections(), src, dst, workdir.resolve("compare"))).isEmpty();
    }
}
